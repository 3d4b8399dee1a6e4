"""The grouped draws of sim/model/sampling.py: the right items, the right law, no cross-vendor pick.

They replaced vendor-by-vendor draws (``rng.integers`` per vendor, ``rng.choice`` without
replacement, a cumulative sum per vendor); these tests pin that each has the law of the draw it
replaced, with fixed seeds and tolerances several standard errors wide.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.sampling import (
    SCREEN_STRIDE,
    shuffled_within,
    uniform_members,
    weighted_members,
    weighted_sample,
)
from sim.model.state import VendorGroups

# items 0..8 by vendor: vendor 0 owns 0, 3, 6; vendor 1 owns 1, 4; vendor 2 none; vendor 3 owns
# 2, 5, 7, 8
ITEM_VENDOR = np.array([0, 1, 3, 0, 1, 3, 0, 3, 3])
GROUPS = VendorGroups(ITEM_VENDOR, 4)


def test_uniform_members_picks_only_the_vendors_items_each_equally_often():
    rng = np.random.default_rng(1)
    wanted = np.repeat([0, 1, 2, 3], 30_000)
    picks = uniform_members(rng, GROUPS, wanted)
    assert (picks[wanted == 2] == -1).all()
    has = wanted != 2
    assert (ITEM_VENDOR[picks[has]] == wanted[has]).all()
    for vendor in (0, 1, 3):
        items, counts = np.unique(picks[wanted == vendor], return_counts=True)
        assert set(items) == set(np.flatnonzero(ITEM_VENDOR == vendor))
        share = counts / counts.sum()
        expected = 1 / len(items)
        assert np.abs(share - expected).max() < 5 * np.sqrt(expected * (1 - expected) / 30_000)


def test_weighted_members_follows_the_weights_within_each_vendor():
    rng = np.random.default_rng(2)
    weights = np.array([1.0, 3.0, 0.0, 2.0, 1.0, 1e-12, 0.0, 3e-12, 0.0])
    wanted = np.repeat([0, 1, 2, 3], 40_000)
    picks = weighted_members(rng, GROUPS, weights, wanted)
    assert (picks[wanted == 2] == -1).all()
    has = wanted != 2
    assert (ITEM_VENDOR[picks[has]] == wanted[has]).all()
    assert (weights[picks[has]] > 0).all()  # a zero weight is never drawn
    for vendor in (0, 1, 3):  # vendor 3's weights are 1e12 times smaller: same precision
        mine = np.flatnonzero(ITEM_VENDOR == vendor)
        expected = weights[mine] / weights[mine].sum()
        observed = np.array([(picks[wanted == vendor] == item).mean() for item in mine])
        assert np.abs(observed - expected).max() < 5 * np.sqrt(0.25 / 40_000)


def test_weighted_members_of_a_vendor_with_no_positive_weight_is_minus_one():
    rng = np.random.default_rng(3)
    weights = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0])  # vendor 0: all zero
    picks = weighted_members(rng, GROUPS, weights, np.array([0, 1, 3, 0]))
    assert picks[0] == -1 and picks[3] == -1
    assert ITEM_VENDOR[picks[1]] == 1 and ITEM_VENDOR[picks[2]] == 3
    assert len(weighted_members(rng, GROUPS, weights, np.empty(0, dtype=np.int64))) == 0


def test_shuffled_within_keeps_groups_and_makes_every_item_equally_likely_first():
    rng = np.random.default_rng(4)
    items = np.array([10, 11, 12, 20, 21, 30])
    group = np.array([0, 0, 0, 1, 1, 3])
    first = []
    for _ in range(9_000):
        shuffled, bounds = shuffled_within(rng, items, group, 4)
        assert list(bounds) == [0, 3, 5, 5, 6]
        assert sorted(shuffled[:3]) == [10, 11, 12] and sorted(shuffled[3:5]) == [20, 21]
        first.append(shuffled[0])
    _, counts = np.unique(first, return_counts=True)
    assert np.abs(counts / 9_000 - 1 / 3).max() < 5 * np.sqrt(2 / 9 / 9_000)


def test_weighted_sample_has_the_inclusion_law_of_choice_without_replacement():
    weights = np.array([5.0, 1.0, 1.0, 2.0, 0.5, 3.0])
    trials, size = 20_000, 3
    ours, numpys = np.zeros(len(weights)), np.zeros(len(weights))
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(6)
    for _ in range(trials):
        picked = weighted_sample(rng_a, weights, size)
        assert len(set(picked)) == size
        ours[picked] += 1
        numpys[rng_b.choice(len(weights), size, replace=False, p=weights / weights.sum())] += 1
    # both estimate the same inclusion probabilities (each within a few standard errors)
    assert np.abs(ours - numpys).max() / trials < 5 * np.sqrt(2 * 0.25 / trials)


def test_weighted_sample_orders_picks_by_key_and_takes_all_when_asked_for_all():
    rng = np.random.default_rng(7)
    firsts = np.zeros(3)
    for _ in range(6_000):
        picked = weighted_sample(rng, np.array([6.0, 3.0, 1.0]), 3)
        assert sorted(picked) == [0, 1, 2]
        firsts[picked[0]] += 1
    # the first pick is the first successive draw: probability in proportion to weight
    assert firsts / 6_000 == pytest.approx([0.6, 0.3, 0.1], abs=0.03)


def _full_selection(seed: int, weights: np.ndarray, size: int) -> np.ndarray:
    """What weighted_sample must return: every key computed, the ``size`` smallest in key order."""
    keys = -np.log1p(-np.random.default_rng(seed).random(len(weights))) / weights
    return np.argsort(keys, kind="stable")[:size]


@pytest.mark.parametrize(
    "n, size",
    [(10, 3), (2_047, 2), (2_048, 2), (5_000, 1), (5_000, 40), (50_000, 700), (4_000, 4_000)],
)
def test_weighted_sample_screened_picks_what_a_full_selection_picks(n, size):
    rng = np.random.default_rng(n + size)
    for draw in range(20):
        weights = rng.uniform(0.1, 3.0, n) if draw % 2 else rng.lognormal(0.0, 2.0, n)
        picked = weighted_sample(np.random.default_rng(draw), weights, size)
        assert np.array_equal(picked, _full_selection(draw, weights, size))


def test_weighted_sample_falls_back_to_all_keys_when_the_screened_bound_is_too_low():
    # the items it screens weigh so much more than the rest that the bound read off their keys
    # admits only a handful: fewer than asked for, so every key must be computed
    n, size = 64_000, 900
    weights = np.ones(n)
    weights[::SCREEN_STRIDE] = 1e6
    picked = weighted_sample(np.random.default_rng(3), weights, size)
    assert len(set(picked)) == size
    assert np.array_equal(picked, _full_selection(3, weights, size))
