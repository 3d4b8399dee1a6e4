"""The posterior of a fit from its reference table: ABC random forests (Raynal et al. 2019), their
coverage on the table's own runs, and the check that the model can produce the history at all.

For each fitted parameter a regression forest (scikit-learn, seeded) learns the parameter from the
statistics over the reference table, and from the statistics' least-squares predictions of the
parameters (summaries that combine statistics, :func:`_prepare`). The posterior of the parameter given the history's statistics
is the table's values of it, weighted by how often each run shares a leaf with the history across
the trees (quantile regression forests, Meinshausen 2006): no tolerance to choose, and statistics
that carry no information are simply not split on. Marginal medians and intervals come from these
weights; joint draws (for ``calibrated.yaml``'s variants) resample table rows by the mean of the
parameters' weights.

Coverage (:func:`coverage`): five-fold cross-fitting over the table; each run of a held-out fold
plays the history, its posterior comes from forests grown on the other folds, and the central
50/80/95% intervals should hold its true parameters about 50/80/95% of the time (the check of
simulation-based calibration, Talts et al. 2018). The forests' one free setting, the share of
features a split may choose from, is the one of :data:`FEATURE_SHARES` whose coverage is nearest
nominal (:func:`choose_forest`), so the intervals a fit reports are the calibrated ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor

from sim.calibration.reference import Prior

FIT_STATISTICS = (
    "opportunities_per_month", "partner_sourced_share", "won_value_per_month", "win_rate",
    "win_rate_partner", "win_rate_vendor", "partners_with_deals",
    "active_partners_per_quarter", "partner_revenue_top_decile_share", "partner_revenue_gini",
    "partner_exit_rate_per_year", "cycle_days_p50", "deal_size_p50",
)  # fmt: skip
"""Statistics (:data:`sim.calibration.statistics.STATISTICS`) a fit compares, where defined."""
LEVELS = (0.5, 0.8, 0.95)
"""Central interval levels of the coverage check."""
PRODUCIBLE_MARGIN = 1.0
"""An observed statistic more than this many robust standard deviations (1.4826 MAD of the runs)
beyond the lowest or highest reference run is one the model does not produce. The margin keeps the
false alarms of a history the model did produce rare: for a normal statistic over 32 runs, beyond
the highest run by one deviation is about 3 deviations out, 0.1% a side (3.5% over 13 statistics),
and less with more runs."""
TREES = 300
MIN_LEAF = 1
FEATURE_SHARES = (1 / 3, 1 / 2, 2 / 3)
"""Shares of the features a split may choose from, tried by :func:`choose_forest`: fewer give wider
intervals, more give narrower ones, and which is calibrated depends on the table (a 512-run
baseline table wants 1/2, the synthetic table of tests/test_calibrate.py 1/3)."""
FOLDS = 5
FOREST_SEED = 7_300


@dataclass(frozen=True)
class Posterior:
    """The table's parameter values with one weight column per parameter (``weight:<path>``,
    each summing to 1) and ``weight`` (their mean, for joint draws)."""

    priors: tuple[Prior, ...]
    samples: pd.DataFrame
    statistics: tuple[str, ...]

    def quantile(self, q: float) -> dict[str, float]:
        return {
            p.path: weighted_quantile(
                self.samples[p.path].to_numpy(), self.samples[f"weight:{p.path}"].to_numpy(), q
            )
            for p in self.priors
        }

    def median(self) -> dict[str, float]:
        return self.quantile(0.5)

    def draws(self, n: int, seed: int) -> pd.DataFrame:
        """``n`` joint parameter sets: table rows resampled by ``weight`` (seeded)."""
        rng = np.random.default_rng([seed, 7_200])
        w = self.samples["weight"].to_numpy()
        rows = rng.choice(len(self.samples), size=n, replace=True, p=w / w.sum())
        return self.samples.iloc[rows][[p.path for p in self.priors]].reset_index(drop=True)


def usable_statistics(table: pd.DataFrame, observed: dict[str, float]) -> tuple[str, ...]:
    """Statistics of :data:`FIT_STATISTICS` defined in the history and in 90% of runs, not constant."""
    out = []
    for name in FIT_STATISTICS:
        column = table[name].to_numpy(dtype=float)
        finite = np.isfinite(column)
        if np.isfinite(observed.get(name, np.nan)) and finite.mean() >= 0.9:
            if np.ptp(column[finite]) > 0:
                out.append(name)
    return tuple(out)


def posterior(
    table: pd.DataFrame,
    observed: dict[str, float],
    priors: Sequence[Prior],
    statistics: Sequence[str],
    share: float = FEATURE_SHARES[1],
) -> Posterior:
    """The ABC random forest posterior of the module docstring (``share``: see
    :data:`FEATURE_SHARES`)."""
    x, query = _prepare(
        _raw(table, statistics),
        _parameters(table, priors),
        _raw(pd.DataFrame([observed]), statistics),
    )
    frame = table[[p.path for p in priors]].reset_index(drop=True)
    for p in priors:
        forest = _forest(x, table[p.path].to_numpy(dtype=float), share)
        frame[f"weight:{p.path}"] = leaf_weights(forest, x, query)[0]
    frame["weight"] = frame[[f"weight:{p.path}" for p in priors]].mean(axis=1)
    frame["sample"] = table["sample"].to_numpy()
    return Posterior(tuple(priors), frame, tuple(statistics))


def choose_forest(
    table: pd.DataFrame, priors: Sequence[Prior], statistics: Sequence[str], seed: int = 0
) -> tuple[float, pd.DataFrame]:
    """The share of :data:`FEATURE_SHARES` whose cross-fitted coverage is nearest nominal (the
    largest gap over parameters and levels), and that coverage."""
    best = None
    for share in FEATURE_SHARES:
        cover = coverage(table, priors, statistics, seed, share)
        gap = float((cover["coverage"] - cover["level"]).abs().max())
        if best is None or gap < best[0] - 1e-12:
            best = (gap, share, cover)
    assert best is not None
    return best[1], best[2].assign(feature_share=best[1])


def coverage(
    table: pd.DataFrame,
    priors: Sequence[Prior],
    statistics: Sequence[str],
    seed: int = 0,
    share: float = FEATURE_SHARES[1],
) -> pd.DataFrame:
    """Cross-fitted coverage: ``parameter``, ``level``, ``coverage``, ``trials``."""
    x = _raw(table, statistics)
    samples = table["sample"].to_numpy()
    labels = np.unique(samples)  # folds of samples, so replicates of one sample stay together
    order = np.random.default_rng([seed, FOREST_SEED]).permutation(len(labels))
    fold_of = dict(zip(labels[order], np.arange(len(labels)) % FOLDS, strict=True))
    fold = np.array([fold_of[s] for s in samples])
    theta = _parameters(table, priors)
    augments = {}
    for f in range(FOLDS):
        train = fold != f
        if train.any() and (~train).any():
            augments[f] = _prepare(x[train], theta[train], x[~train])
    rows = []
    for p in priors:
        y = table[p.path].to_numpy(dtype=float)
        hits = np.zeros(len(LEVELS))
        for f, (x_train, x_test) in augments.items():
            train, test = fold != f, fold == f
            weights = leaf_weights(_forest(x_train, y[train], share), x_train, x_test)
            for truth, w in zip(y[test], weights, strict=True):
                for k, level in enumerate(LEVELS):
                    low = weighted_quantile(y[train], w, (1 - level) / 2)
                    high = weighted_quantile(y[train], w, (1 + level) / 2)
                    hits[k] += low <= truth <= high
        rows += [
            {"parameter": p.path, "level": level, "coverage": hits[k] / len(y), "trials": len(y)}
            for k, level in enumerate(LEVELS)
        ]
    return pd.DataFrame(rows)


def unproducible(
    table: pd.DataFrame, observed: dict[str, float], statistics: Sequence[str]
) -> pd.DataFrame:
    """Statistics whose observed value lies beyond the runs by more than
    :data:`PRODUCIBLE_MARGIN`: ``statistic``, ``observed``, ``low``, ``high`` (the runs' range)."""
    rows = []
    for name in statistics:
        column = table[name].to_numpy(dtype=float)
        column = column[np.isfinite(column)]
        low, high = column.min(), column.max()
        mad = 1.4826 * np.median(np.abs(column - np.median(column)))
        margin = PRODUCIBLE_MARGIN * (mad if mad > 0 else column.std())
        if not low - margin <= observed[name] <= high + margin:
            rows.append({"statistic": name, "observed": observed[name], "low": low, "high": high})
    return pd.DataFrame(rows, columns=["statistic", "observed", "low", "high"])


def leaf_weights(forest: RandomForestRegressor, train: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Quantile-forest weights: row ``i`` gives each training run the share of trees in which it
    sits in the leaf of query ``i``, divided by that leaf's size (each row sums to 1)."""
    leaves, asked = forest.apply(train), forest.apply(query)
    weights = np.zeros((len(query), len(train)))
    for t in range(leaves.shape[1]):
        same = asked[:, t][:, None] == leaves[:, t][None, :]
        weights += same / same.sum(axis=1, keepdims=True)
    return weights / leaves.shape[1]


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``values`` with ``weights`` (midpoints of the weight steps)."""
    keep = weights > 0
    order = np.argsort(values[keep], kind="stable")
    v, w = values[keep][order], weights[keep][order]
    cumulative = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cumulative, v))


def _forest(x: np.ndarray, y: np.ndarray, share: float) -> RandomForestRegressor:
    forest = RandomForestRegressor(
        n_estimators=TREES, min_samples_leaf=MIN_LEAF, max_features=share,
        random_state=FOREST_SEED, n_jobs=1,
    )  # fmt: skip
    return forest.fit(x, y)


def _parameters(table: pd.DataFrame, priors: Sequence[Prior]) -> np.ndarray:
    """The fitted keys as a matrix, each scaled to [0, 1] over its prior box."""
    return np.column_stack(
        [(table[p.path].to_numpy(dtype=float) - p.low) / (p.high - p.low) for p in priors]
    )


def _prepare(
    train: np.ndarray, theta: np.ndarray, query: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The forest's inputs for training runs and queries: the statistics (a missing value takes the
    training runs' median), then their least-squares predictions of every parameter (a quadratic
    in the standardised statistics): summaries that combine statistics, which single-statistic
    splits cannot (Raynal et al. 2019 add such axes too). A query's predictions come from the fit
    on all training runs; a training run's from the fit on the other :data:`FOLDS` - 1 folds of
    them, so the forest learns from predictions as noisy as the query's (in-sample predictions
    would make the posterior too narrow)."""
    fill = np.nanmedian(train, axis=0)
    fill = np.where(np.isfinite(fill), fill, 0.0)
    train = np.where(np.isfinite(train), train, fill)
    query = np.where(np.isfinite(query), query, fill)
    fit = _least_squares(train, theta)
    inner = np.arange(len(train)) % FOLDS
    inner = np.random.default_rng(FOREST_SEED).permutation(inner)
    own = np.empty((len(train), theta.shape[1]))
    for f in range(FOLDS):
        held = inner == f
        if held.any() and (~held).any():
            own[held] = _least_squares(train[~held], theta[~held])(train[held])
        elif held.any():
            own[held] = fit(train[held])
    return np.column_stack([train, own]), np.column_stack([query, fit(query)])


def _least_squares(x: np.ndarray, theta: np.ndarray):
    mean, sd = x.mean(axis=0), x.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)

    def design(values: np.ndarray) -> np.ndarray:
        z = (values - mean) / sd
        return np.column_stack([np.ones(len(values)), z, z**2])

    beta, *_ = np.linalg.lstsq(design(x), theta, rcond=None)
    return lambda values: design(values) @ beta


def _raw(frame: pd.DataFrame, statistics: Sequence[str]) -> np.ndarray:
    return frame[list(statistics)].to_numpy(dtype=float)


__all__ = [
    "FIT_STATISTICS",
    "LEVELS",
    "Posterior",
    "choose_forest",
    "coverage",
    "leaf_weights",
    "posterior",
    "unproducible",
    "usable_statistics",
    "weighted_quantile",
]
