"""The report of a fit (`sim calibrate`): ``report.html`` and its figures in ``plots/``.

What it shows, from the :class:`~sim.calibration.fit.FitResult` alone: the direct estimates; the
posterior (median and 80% interval per key, marginals and pairs); the history month by month
against the band of the fitted runs (the posterior predictive over time), with the held-out months
marked and checked when ``--holdout-months`` was given; the check of each summary statistic; the
coverage of the intervals. When the history is not one the model produces, the report says which
statistics are out of reach and shows no parameters: the band is then that of every run (the
prior predictive), labelled so.
"""

from __future__ import annotations

import base64
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analysis.report_html import CSS, ENVIRONMENT, table_data
from analysis.style import BASE_COLOUR, PALETTE, STYLE, format_currency, save_figure
from sim.calibration.abc import weighted_quantile
from sim.calibration.fit import FitResult
from sim.calibration.fit_output import number_text as _num
from sim.calibration.over_time import SERIES
from sim.experiments.folder_layout import atomic_write_text

TITLES = {"won_value": "won value per month", "opportunities": "opportunities created per month"}
SOURCES = {"partner": "partner-sourced", "vendor": "vendor-sourced"}
WIDE_BAND = 2.0
"""A held-out band whose high end is this many times its low end is called wide."""
BIAS_SHARE = 0.8
"""A series on one side of the runs' median in at least this share of the fitted months is named."""


def over_time_figure(frame: pd.DataFrame, predictive: str) -> Figure:
    """The history's monthly series against the 50% and 90% bands of the runs, one panel each."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(2, 2, figsize=(13, 8), sharex=True, layout="constrained")
        for ax, (measure, source) in zip(axes.flat, SERIES, strict=True):
            rows = frame[(frame["measure"] == measure) & (frame["source"] == source)]
            x = pd.PeriodIndex(rows["date"], freq="M").to_timestamp()
            colour = PALETTE[0]
            ax.fill_between(x, rows["p5"], rows["p95"], color=colour, alpha=0.15, lw=0,
                            label=f"90% of the {predictive}")  # fmt: skip
            ax.fill_between(x, rows["p25"], rows["p75"], color=colour, alpha=0.3, lw=0,
                            label="50%")  # fmt: skip
            ax.plot(x, rows["p50"], color=colour, lw=1.5, ls="--", label="median")
            ax.plot(x, rows["observed"], color=BASE_COLOUR, lw=2, marker="o", ms=3,
                    label="the history")  # fmt: skip
            held = rows[rows["held_out"]]
            if len(held):
                first = pd.Period(held["date"].iloc[0], freq="M").to_timestamp()
                end = pd.Period(held["date"].iloc[-1], freq="M").to_timestamp()
                ax.axvspan(first - pd.Timedelta(days=15), end + pd.Timedelta(days=15),
                           color="#999999", alpha=0.12, lw=0, label="held out")  # fmt: skip
            ax.set_title(f"{SOURCES[source]} {TITLES[measure]}")
            if measure == "won_value":
                ax.yaxis.set_major_formatter(FuncFormatter(format_currency))
            ax.set_ylim(bottom=0)
        axes[0, 0].legend(loc="upper left", fontsize=10, frameon=False)
        fig.autofmt_xdate()
    return fig


def posterior_figure(result: FitResult) -> Figure:
    """Marginals (weighted histograms over the prior range) on the diagonal, pairs below it."""
    post = result.posterior
    assert post is not None
    priors = result.plan.priors
    n = len(priors)
    samples = post.samples
    with plt.rc_context(STYLE):
        size = max(2.8 * n, 6.5)
        fig, axes = plt.subplots(n, n, figsize=(size, size), layout="constrained", squeeze=False)
        for i, pi in enumerate(priors):
            for j, pj in enumerate(priors):
                ax = axes[i, j]
                if j > i:
                    ax.set_visible(False)
                    continue
                if i == j:
                    w = samples[f"weight:{pi.path}"].to_numpy()
                    ax.hist(samples[pi.path], bins=16, range=(pi.low, pi.high), weights=w,
                            color=PALETTE[0], alpha=0.8)  # fmt: skip
                    ax.axvline(weighted_quantile(samples[pi.path].to_numpy(), w, 0.5),
                               color=BASE_COLOUR, lw=1.5)  # fmt: skip
                    ax.set_yticks([])
                else:
                    w = samples["weight"].to_numpy()
                    ax.scatter(samples[pj.path], samples[pi.path], s=4 + 80 * w / w.max(),
                               color=PALETTE[0], alpha=0.5, lw=0)  # fmt: skip
                    ax.set_ylim(pi.low, pi.high)
                ax.set_xlim(pj.low, pj.high)
                if i == n - 1:
                    ax.set_xlabel(_short(pj.path), fontsize=11)
                if j == 0 and i > 0:
                    ax.set_ylabel(_short(pi.path), fontsize=11)
                ax.tick_params(labelsize=9)
        fig.suptitle("Posterior marginals and pairs")
    return fig


def _short(path: str) -> str:
    parts = path.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else path


def write_report(result: FitResult, folder: Path, history_label: str) -> list[Path]:
    """``report.html`` and ``plots/*.png`` of the fit into ``folder``; returns the files."""
    plots = folder / "plots"
    plots.mkdir(exist_ok=True)
    calibrated = result.posterior is not None
    predictive = "fitted runs" if calibrated else "runs over the whole prior"
    written = [save_figure(over_time_figure(result.over_time, predictive),
                           plots / "predictive_over_time.png")]  # fmt: skip
    timeline = _embedded(written[0], _over_time_caption(result, predictive),
                         "the history's monthly series against the runs' bands")  # fmt: skip
    pairs = None
    if calibrated:
        written.append(save_figure(posterior_figure(result), plots / "posterior.png"))
        pairs = _embedded(written[-1], _posterior_caption(result), "posterior marginals and pairs")
        pairs["width"] = f"{min(260 * len(result.plan.priors), 1020)}px"
    html = ENVIRONMENT.get_template("calibration.html.j2").render(
        css=Markup(CSS), title=f"Calibration of {result.plan.base.name}",
        name=result.plan.base.name, history=history_label, **_context(result), timeline=timeline, pairs=pairs,
    )  # fmt: skip
    atomic_write_text(folder / "report.html", html + "\n")
    return [*written, folder / "report.html"]


def _embedded(png: Path, caption: str, alt: str) -> dict[str, str]:
    """A saved PNG as a figure of the template (a data URI: the report is one file)."""
    uri = "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")
    return {"uri": uri, "caption": caption, "alt": alt, "width": "100%"}


def _context(result: FitResult) -> dict[str, object]:
    plan = result.plan
    frame = result.over_time
    fitted = frame[~frame["held_out"]]
    held = frame[frame["held_out"]]
    summary = [
        f"{fitted['inside_90'].sum()} of the {len(fitted)} monthly values the fit saw lie inside "
        f"the 90% band of the {'fitted runs' if result.posterior is not None else 'runs'} (a "
        "model that fits holds about 90% of them)."
    ]
    summary += _bias_lines(fitted)
    if len(held):
        band = "the band the fit predicts" if result.posterior is not None else "the runs' band"
        summary.append(
            f"Held-out check: fitted on the history before {plan.cut:%Y-%m-%d}; "
            f"{held['inside_90'].sum()} of the {len(held)} monthly values of the last "
            f"{plan.holdout_months} months lie inside {band}."
        )
    ratio = pd.Series(dtype=float)
    if len(result.holdout):
        ratio = result.holdout["p95"] / result.holdout["p5"].where(result.holdout["p5"] > 0)
        ratio = ratio.dropna()
    if len(ratio):
        line = (
            f"Each held-out total's 90% band spans a factor of {ratio.min():.1f} to "
            f"{ratio.max():.1f} from its low end to its high end"
        )
        if ratio.max() >= WIDE_BAND:
            line += (
                ": wide, so inside means the history is consistent with the fitted model, not "
                "that the fit predicts it closely; more reference runs (--samples) or fewer "
                "fitted keys narrow it"
            )
        summary.append(line + ".")
    estimates = table_data(
        ["key", "value", "observations", "how"],
        [[e.path, _num(e.value), f"{e.n:,}", e.how] for e in plan.estimates], numeric=(1, 2),
    )  # fmt: skip
    posterior = None
    if result.posterior is not None:
        low, mid, high = (result.posterior.quantile(q) for q in (0.1, 0.5, 0.9))
        posterior = table_data(
            ["key", "median", "80% interval", "prior"],
            [[p.path, _num(mid[p.path]), f"{_num(low[p.path])} .. {_num(high[p.path])}",
              f"{_num(p.low)} .. {_num(p.high)}"] for p in plan.priors], numeric=(1,),
        )  # fmt: skip
    unproducible = [
        f"{row.statistic}: observed {_num(row.observed)}, the runs reach {_num(row.low)} .. "
        f"{_num(row.high)}"
        for row in result.unproducible.itertuples(index=False)
    ]
    statistics = table_data(
        ["statistic", "observed", "runs 5%", "median", "95%", "inside"],
        [[r.statistic, _num(r.observed), _num(r.p5), _num(r.p50), _num(r.p95),
          "yes" if r.inside_90 else "no"] for r in result.predictive.itertuples(index=False)],
        numeric=(1, 2, 3, 4),
    )  # fmt: skip
    holdout = None
    if len(result.holdout):
        holdout = table_data(
            ["series", "observed", "band 5%", "median", "95%", "inside", "months inside"],
            [[f"{SOURCES[r.source]} {TITLES[r.measure]}", _num(r.observed), _num(r.p5),
              _num(r.p50), _num(r.p95), "yes" if r.inside_90 else "no",
              f"{r.months_inside_90:.0%} of {r.months}"]
             for r in result.holdout.itertuples(index=False)], numeric=(1, 2, 3, 4),
        )  # fmt: skip
    cover = result.coverage.pivot(index="parameter", columns="level", values="coverage")
    coverage = table_data(
        ["key", *(f"{level:.0%} interval" for level in cover.columns)],
        [[path, *(f"{v:.0%}" for v in row)] for path, row in cover.iterrows()],
        numeric=tuple(range(1, len(cover.columns) + 1)),
    )
    return {"summary": summary, "estimates": estimates, "posterior": posterior,
            "unproducible": unproducible, "statistics": statistics, "holdout": holdout,
            "coverage": coverage, "runs": len(result.table)}  # fmt: skip


def _bias_lines(fitted: pd.DataFrame) -> list[str]:
    """Series whose history sits on one side of the runs' median in most fitted months: a bias
    that a wide band hides."""
    lines = []
    for (measure, source), rows in fitted.groupby(["measure", "source"], sort=False):
        below = float((rows["observed"] < rows["p50"]).mean())
        if below >= BIAS_SHARE or below <= 1 - BIAS_SHARE:
            side = "below" if below >= BIAS_SHARE else "above"
            share = below if side == "below" else 1 - below
            lines.append(
                f"The history's {SOURCES[source]} {TITLES[measure]} is {side} the runs' median in "
                f"{share:.0%} of the months the fit saw: the fitted model leans the other way there."
            )
    return lines


def _over_time_caption(result: FitResult, predictive: str) -> str:
    text = (
        f"Each month of the history (dark line) against the {predictive}: shaded 50% and 90% of "
        f"the {len(result.table):,} reference runs"
        + (" weighted by the posterior" if result.posterior is not None else "")
        + ", dashed their median."
    )
    if result.plan.holdout_months:
        text += " The grey months were held out: the fit did not see them."
    return text


def _posterior_caption(result: FitResult) -> str:
    return (
        f"Posterior of the {len(result.plan.priors)} fitted keys over their prior ranges (the "
        f"axes): {len(result.table):,} reference runs weighted by the ABC random forests; on the "
        "diagonal each key's marginal with a line at its median, below it each pair of keys (a "
        "dot per run, larger for more weight)."
    )


__all__ = ["over_time_figure", "posterior_figure", "write_report"]
