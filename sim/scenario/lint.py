"""Warnings about a valid scenario that will not do what it seems to.

A warning is not an error: the scenario runs (exit code 0), but ``sim validate``, ``sim run`` and
``sim sweep`` print each warning and the result folder's manifest lists them under ``warnings``.
Each is an :class:`~sim.scenario.errors.Issue` naming the file, line and key path:

- an event at or beyond the horizon: it never takes effect;
- notice reaching before month 0: partners learn of the change at month 0, with less notice than
  written (the trust surprise is still computed with the notice written);
- a variant identical to base, or differing from it only in events that never take effect: it will
  give base's numbers;
- a swept range that cannot move anything: a key an event of the file resets at month 0.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from sim.scenario.errors import Issue, number
from sim.scenario.resolution import resolved_document
from sim.scenario.schema import ScenarioConfig, split_vendor_path
from sim.scenario.yaml_source import Src

BASE = "base"


def scenario_warnings(
    configs: Mapping[str, ScenarioConfig], sources: Mapping[str, Src]
) -> list[Issue]:
    """Every warning of a loaded scenario's variants, each once, in file and line order.

    Args:
        configs: variant name -> resolved config.
        sources: variant name -> where each value of its document came from.
    """
    found: list[Issue] = []
    for name, config in configs.items():
        found += _event_warnings(config, sources[name])
    if BASE in configs:
        found += _variant_warnings(configs, sources)
        found += _sweep_warnings(configs[BASE], sources[BASE])
    return sorted(dict.fromkeys(found), key=lambda issue: (issue.file, issue.line or 0))


def _event_warnings(config: ScenarioConfig, src: Src) -> Iterator[Issue]:
    horizon = config.time.horizon_months
    for i, event in enumerate(config.events):
        at = event.at_month
        if at >= horizon:
            yield src.issue(
                ("events", i, "at_month"),
                f"month {number(at)} is at or beyond the end of the run ({horizon} months): "
                "this change never takes effect",
            )
        elif event.notice_months > at:
            start = at - event.notice_months
            left = f"{number(at)} months' notice" if at > 0 else "no notice"
            yield src.issue(
                ("events", i, "notice_months"),
                f"{number(event.notice_months)} months' notice before month {number(at)} would "
                f"start at month {number(start)}, before the run starts: partners learn of the "
                f"change at month 0, with {left} (the trust rule still counts the "
                f"{number(event.notice_months)} written)",
            )


def _effective(config: ScenarioConfig) -> dict:
    """The resolved document without the events that never take effect."""
    doc = resolved_document(config)
    horizon = config.time.horizon_months
    doc["events"] = [e for e in doc.get("events", []) if e["at_month"] < horizon]
    doc.pop("replicates", None)  # more or fewer replicates of the same runs are the same numbers
    return doc


def _variant_warnings(
    configs: Mapping[str, ScenarioConfig], sources: Mapping[str, Src]
) -> Iterator[Issue]:
    base = configs[BASE]
    plain, effective = resolved_document(base), _effective(base)
    plain.pop("replicates", None)
    for name, config in configs.items():
        if name == BASE:
            continue
        doc = resolved_document(config)
        doc.pop("replicates", None)
        if doc == plain:
            yield sources[name].issue(
                (), "is identical to base (every key it sets has base's value): it will give "
                "base's numbers",
            )  # fmt: skip
        elif _effective(config) == effective:
            yield sources[name].issue(
                (), "differs from base only in events at or beyond the end of the run "
                f"({config.time.horizon_months} months): it will give base's numbers",
            )  # fmt: skip


def _sweep_warnings(config: ScenarioConfig, src: Src) -> Iterator[Issue]:
    if config.sweep is None:
        return
    for path in config.sweep.parameters:
        owner = split_vendor_path(path)
        for i, event in enumerate(config.events):
            if owner is None or event.vendor != owner[0] or owner[1] not in event.set:
                continue
            if event.at_month == 0 and event.ramp_months == 0:
                yield src.issue(
                    ("sweep", "parameters", path),
                    f"events[{i}] sets {path} at month 0, so the swept value never takes effect",
                )


__all__ = ["scenario_warnings"]
