"""What the reports say about an effect, case by case (:mod:`analysis.wording`).

An interval that covers zero is "no clear difference", never a rise or a fall; "unchanged" only
when every replicate pair is identical; "best" only when ahead of every other option beyond noise;
and the sentences stay grammatical for zero, plural and single-pair effects.
"""

from __future__ import annotations

import math

import pytest

from analysis.formatting import format_value
from analysis.intervals import Interval
from analysis.wording import (
    Effect,
    best_sentence,
    cell_text,
    change_sentence,
    interval_text,
    is_best,
    level_sentence,
    verdict,
)

NAN = math.nan
UP = Effect(19.0e6, 9.88e6, 28.2e6, relative=0.094, agree=8, pairs=10)
DOWN = Effect(-55.6e6, -64.8e6, -46.3e6, relative=-0.275, agree=10, pairs=10)
NOISE = Effect(-1.74e6, -8.10e6, 4.63e6, relative=-0.012, agree=6, pairs=10)
ZERO = Effect(0.0, 0.0, 0.0, relative=0.0, agree=0, pairs=10)
ONE_PAIR = Effect(2.0e6, NAN, NAN, relative=0.01, agree=1, pairs=1)
WHAT = "acme's channel revenue"


@pytest.mark.parametrize(
    ("effect", "expected"),
    [
        (UP, "up"), (DOWN, "down"), (NOISE, "unclear"), (ZERO, "unchanged"),
        (ONE_PAIR, "untested"), (Effect(0.0, NAN, NAN, pairs=1), "unchanged"),
        (Effect(5.0, 0.0, 10.0, pairs=4), "unclear"),  # an interval touching zero covers it
        (Effect(1e-9, -1e-9, 3e-9, pairs=4), "unclear"),  # tiny but not exactly zero
    ],
)  # fmt: skip
def test_verdict(effect: Effect, expected: str) -> None:
    assert verdict(effect) == expected


def test_a_clear_rise_and_fall_are_stated_with_their_evidence() -> None:
    assert change_sentence("acme-enable", WHAT, "channel_revenue", UP, "base") == (
        "acme-enable raises acme's channel revenue by $19.0M (+9.4%) against base "
        "(90% CI +$9.88M to +$28.2M; 8 of 10 paired replicates agree)."
    )
    assert change_sentence("rival-richer", WHAT, "channel_revenue", DOWN, "base") == (
        "rival-richer lowers acme's channel revenue by $55.6M (-27.5%) against base "
        "(90% CI -$64.8M to -$46.3M; 10 of 10 paired replicates agree)."
    )


def test_an_interval_covering_zero_is_no_clear_difference() -> None:
    """The issue's case: "phased lowers acme's channel revenue by $1.74M (90% CI -$8.10M to
    +$4.63M)" stated noise as a fact."""
    sentence = change_sentence("phased", WHAT, "channel_revenue", NOISE, "base")
    assert sentence == (
        "phased makes no clear difference to acme's channel revenue against base "
        "(90% CI -$8.10M to +$4.63M)."
    )
    assert "lowers" not in sentence and "$1.74M" not in sentence
    assert level_sentence("Its net revenue", "vendor_net_revenue", NOISE) == (
        "Its net revenue: no clear difference (90% CI -$8.10M to +$4.63M)."
    )


def test_unchanged_only_when_every_pair_is_identical_and_says_why() -> None:
    """The issue's case: "leaves unchanged ... by $0" - ungrammatical, and silent about why."""
    sentence = change_sentence(
        "at-once", WHAT, "channel_revenue", ZERO, "base", why="its only event is after the end"
    )
    assert sentence == (
        "at-once leaves acme's channel revenue unchanged: identical to base in all 10 replicate "
        "pairs (its only event is after the end)."
    )
    assert level_sentence("Conflicts", "conflicts", ZERO, plural=True) == (
        "Conflicts are unchanged in all 10 replicate pairs."
    )
    assert level_sentence("Its net revenue", "vendor_net_revenue", ZERO) == (
        "Its net revenue is unchanged in all 10 replicate pairs."
    )


def test_level_sentences_agree_with_their_subject() -> None:
    assert level_sentence("Its net revenue", "vendor_net_revenue", UP) == (
        "Its net revenue rises by $19.0M (+9.4%; 90% CI +$9.88M to +$28.2M)."
    )
    fewer = Effect(-34.8, -41.7, -27.9, relative=-0.18, agree=10, pairs=10)
    assert level_sentence("Conflicts", "conflicts", fewer, plural=True) == (
        "Conflicts fall by 34.8 (-18.0%; 90% CI -41.7 to -27.9)."
    )
    share = Effect(0.012, 0.004, 0.02, relative=0.05, pairs=10)
    assert level_sentence("Attention share", "attention_share", share) == (
        "Attention share rises by 1.2 pp (+5.0%; 90% CI +0.4 pp to +2.0 pp)."
    )


def test_one_pair_gives_the_estimate_and_says_it_is_untested() -> None:
    assert change_sentence("x", WHAT, "channel_revenue", ONE_PAIR, "base") == (
        "x raises acme's channel revenue by $2.00M (+1.0%) against base in the one replicate "
        "pair (no interval: too few replicate pairs, so it may be noise)."
    )
    assert interval_text("channel_revenue", ONE_PAIR) == "no interval: too few replicate pairs"


@pytest.mark.parametrize(
    ("effect", "expected"),
    [
        (UP, "+$19.0M [+$9.88M, +$28.2M]"),
        (NOISE, "no clear difference [-$8.10M, +$4.63M]"),
        (ZERO, "unchanged"),
        (ONE_PAIR, "+$2.00M (no interval)"),
    ],
)
def test_cells(effect: Effect, expected: str) -> None:
    assert cell_text("channel_revenue", effect) == expected


def test_best_only_when_ahead_of_every_other_option_beyond_noise() -> None:
    leads = {"base": Effect(30e6, 20e6, 40e6, pairs=10), "phased": Effect(5e6, 1e6, 9e6, pairs=10)}
    assert best_sentence(WHAT, "channel_revenue", "gradual", leads) == (
        "gradual is best for acme's channel revenue: ahead of every other option beyond noise; "
        "its smallest lead is $5.00M over phased (90% CI +$1.00M to +$9.00M)."
    )


def test_a_lead_within_noise_means_none_is_clearly_best() -> None:
    """The issue's case: "at-once is best ... (90% CI -$67.6M to +$70.2M; 1 of 2 agree)"."""
    leads = {"phased": Effect(1.3e6, -67.6e6, 70.2e6, pairs=2), "base": Effect(9e6, 2e6, 16e6)}
    assert best_sentence(WHAT, "channel_revenue", "at-once", leads) == (
        "None is clearly best for acme's channel revenue: at-once leads on average, but its lead "
        "over phased is within noise (90% CI -$67.6M to +$70.2M)."
    )


def test_identical_options_tie_and_many_within_noise_are_counted() -> None:
    tie = {"at-once": ZERO, "phased": Effect(22.5e6, 17.5e6, 27.5e6, pairs=10)}
    assert best_sentence(WHAT, "channel_revenue", "base", tie) == (
        "None is clearly best for acme's channel revenue: base and at-once give identical "
        "numbers, ahead of phased beyond noise (the smallest lead is $22.5M over phased; 90% CI "
        "+$17.5M to +$27.5M)."
    )
    assert best_sentence(WHAT, "channel_revenue", "base", {"a": ZERO, "b": ZERO}) == (
        "None is best for acme's channel revenue: every option gives exactly the same numbers."
    )
    many = {f"s{i}": Effect(float(i), -1.0, 2.0 * i + 1) for i in range(5)}
    sentence = best_sentence(WHAT, "channel_revenue", "s9", many)
    assert (
        "its lead over 5 other options is within noise" in sentence
        and "over s0, the closest)" in sentence
    )


def test_a_tiny_trust_difference_is_not_written_as_zero() -> None:
    effect = Effect(1e-4, -2e-4, 4e-4, pairs=10)
    assert cell_text("mean_trust", effect) == "no clear difference [-0.00020, +0.00040]"


def test_is_best_agrees_with_the_sentence() -> None:
    """The dashboard marks its headline as a success by :func:`is_best`; the sentence says the
    same thing."""
    clear = {"base": Effect(30e6, 20e6, 40e6, pairs=10), "phased": Effect(5e6, 1e6, 9e6, pairs=10)}
    within = {**clear, "phased": NOISE}
    tied = {**clear, "phased": ZERO}
    assert is_best(clear) and not is_best(within) and not is_best(tied) and not is_best({})
    for leads in (clear, within, tied):
        sentence = best_sentence(WHAT, "channel_revenue", "gradual", leads)
        assert sentence.startswith("gradual is best") == is_best(leads)


def test_one_option_alone_is_not_best_of_anything() -> None:
    assert best_sentence(WHAT, "channel_revenue", "base", {}) == (
        "Only base ran: nothing to compare acme's channel revenue with."
    )


def test_an_effect_from_a_paired_interval_keeps_its_pairs_and_agreement() -> None:
    gap = Interval(3.0, 1.0, 5.0, n=4, agree=4, method="paired t")
    assert Effect.from_interval(gap) == Effect(3.0, 1.0, 5.0, agree=4, pairs=4)


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("mean_trust", -1.5e-4, "-0.00015"), ("mean_trust", 0.0283, "+0.028"),
        ("conflicts", 0.201, "+0.2"), ("conflicts", 0.012, "+0.012"), ("conflicts", 3.0, "+3.0"), ("conflicts", -34.8, "-34.8"),
        ("conflicts", 0.0, "0.0"), ("conflicts", 1234.0, "+1,234"),
    ],
)  # fmt: skip
def test_differences_read_as_plain_numbers_with_aligned_decimals(metric, value, expected) -> None:
    """Deck-ready: no scientific notation, and one decimal for counts ("+1.6 [+0.2, +3.0]", not
    "+1.6 [+0.201, +3]")."""
    assert format_value(metric, value, signed=True) == expected


def test_both_ends_of_a_tiny_interval_share_one_precision() -> None:
    """Seen in a report: "90% CI -0.00021 to +0.001" (the upper end rounded, the lower not)."""
    effect = Effect(4e-4, -2.1e-4, 1.0e-3, pairs=8)
    assert interval_text("mean_trust", effect) == "90% CI -0.00021 to +0.00100"
    assert cell_text("mean_trust", effect) == "no clear difference [-0.00021, +0.00100]"
    assert interval_text("mean_trust", Effect(0.03, 0.02, 0.04, pairs=8)) == (
        "90% CI +0.020 to +0.040"
    )
