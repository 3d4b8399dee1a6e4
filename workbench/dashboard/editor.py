"""The variant editor: one what-if variant at a time, its change of the focus vendor as controls.

Every control comes from the scenario schema (:mod:`workbench.levers`): a slider for a number with
narrow bounds, a number box for the others, a switch for true/false; its help is the schema's
description and range. A control shows the value the vendor has before the change; moving it puts
the key into the change, moving it back takes it out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from html import escape
from typing import Any

import solara

from analysis.levers import event_text
from sim.scenario import ScenarioConfig, resolved_document
from workbench.levers import SECTION_TITLES, Lever, term_levers, timing_levers
from workbench.whatif import BASE, Variant, copy_name, term_value

HELP = {"font-size": "12px", "color": "#5f6368", "line-height": "1.3", "margin-top": "4px"}
CHANGED = {"border-left": "3px solid #D55E00", "padding-left": "6px"}
TIMING_WORDS = {
    "at_month": "Change starts at month",
    "ramp_months": "Ramp over months (0 = at once)",
    "notice_months": "Announced months before",
}


def _number(value: Any) -> str:
    return "on" if value is True else "off" if value is False else f"{value:g}"


@solara.component
def LeverControl(
    lever: Lever, value: Any, before: Any, on_value: Callable[[Any], None], label: str = ""
) -> None:
    """One schema key as a control, with its description, range and value before the change."""
    problem, set_problem = solara.use_state("")
    changed = before is not None and value != before
    title = f"{label or lever.label}: {_number(value)}" if lever.slider else label or lever.label
    if changed:
        title += f" (was {_number(before)})"

    def checked(new: Any) -> None:
        message = lever.problem(new)
        set_problem(message or "")
        if message is None:
            on_value(new)

    with solara.Column(gap="0px", style=CHANGED if changed else {}):
        if lever.kind == "switch":
            solara.Switch(label=title, value=bool(value), on_value=checked)
        elif lever.kind == "choice":
            solara.Select(label=title, value=value, values=list(lever.choices), on_value=checked)
        elif lever.slider:
            solara.SliderFloat(
                title, value=float(value), min=lever.low, max=lever.high, step=lever.step,
                on_value=checked, thumb_label=True,
            )  # fmt: skip
        else:
            solara.InputFloat(title, value=float(value), on_value=checked)
        allowed = lever.bounds_text()
        solara.Text(
            f"{lever.description} {'Allowed: ' + allowed + '.' if allowed else ''}".strip(),
            style=HELP,
        )
        if problem:
            solara.Error(f"{lever.key}: {problem}", dense=True)


@solara.component
def VariantEditor(
    base: ScenarioConfig,
    vendor: str,
    variants: list[Variant],
    on_variants: Callable[[list[Variant]], None],
    editing: str,
    on_editing: Callable[[str], None],
) -> None:
    """Pick a variant, add or remove one, and edit the focus vendor's change in it."""
    names = [v.name for v in variants if v.name != BASE]
    current = next((v for v in variants if v.name == editing), None)

    def put(new: Variant) -> None:
        on_variants([new if v.name == editing else v for v in variants])
        if new.name != editing:
            on_editing(new.name)

    def add() -> None:
        source = current or Variant(BASE)
        name = copy_name(variants, source.name)
        on_variants([*variants, replace(source, name=name)])
        on_editing(name)

    def remove() -> None:
        rest = [v for v in variants if v.name != editing]
        on_variants(rest)
        on_editing(next((v.name for v in rest if v.name != BASE), ""))

    solara.HTML("h3", "What-if variants")
    with solara.Row():
        solara.Button(
            "Add variant", on_click=add, icon_name="mdi-plus", color="primary", outlined=True
        )
        solara.Button("Remove", on_click=remove, icon_name="mdi-delete", disabled=current is None)
    if current is None:
        solara.Info("base is the scenario as written. Add a variant to ask a what-if.")
        return
    solara.Select("Variant to edit", values=names, value=editing, on_value=on_editing)
    solara.InputText(
        "Name", value=current.name, on_value=lambda name: put(replace(current, name=name.strip()))
    )
    solara.Text("A copy starts from the variant shown here.", style=HELP)
    ChangeEditor(base, vendor, current, put)


@solara.component
def ChangeEditor(
    base: ScenarioConfig, vendor: str, variant: Variant, put: Callable[[Variant], None]
) -> None:
    """The timing and the new terms of the vendor's change in ``variant``."""
    event = variant.change(vendor)
    values = event.get("set") or {}
    solara.HTML("h4", f"{escape(vendor)}'s change", style="margin-top: 12px")
    if not values:
        solara.Text("Move a term below to schedule a change.", style=HELP)
    for lever in timing_levers(base.time.horizon_months):
        LeverControl(
            lever,
            event.get(lever.key, lever.default),
            None,
            lambda v, key=lever.key: put(variant.with_timing(vendor, key, v)),
            label=TIMING_WORDS.get(lever.key, lever.label),
        )
    for section, levers in term_levers().items():
        touched = any(key.startswith(section + ".") for key in values)
        with solara.Details(SECTION_TITLES[section], expand=touched or section == "program"):
            for lever in levers:
                before = term_value(base, vendor, lever.key)
                LeverControl(
                    lever,
                    values.get(lever.key, before),
                    before,
                    lambda v, key=lever.key, b=before: put(variant.with_value(vendor, key, v, b)),
                )
    others = variant.other_events(vendor)
    if others:
        doc = resolved_document(base)
        solara.HTML("h4", "Other changes in this variant (not edited here)")
        for other in others:
            solara.Text(event_text(other, doc), style=HELP)


__all__ = ["ChangeEditor", "LeverControl", "VariantEditor"]
