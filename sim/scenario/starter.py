"""The commented starter scenario written by ``sim new NAME``.

The sections that are plain settings (time, market, a vendor, partners) are generated from the schema,
so every key appears with its default, its range and its description, and a key added to the schema
appears here too. Vendors, behaviours, events, variants and the sweep are written out as examples.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.behaviours import registry
from sim.scenario.errors import (
    NAME_HINT,
    Issue,
    ScenarioError,
    is_model,
    number,
    range_text,
    unwrap,
)
from sim.scenario.schema import (
    NAME_PATTERN,
    MarketConfig,
    PartnersConfig,
    TimeConfig,
    VendorConfig,
)

WIDTH = 100

_MISSING_DESCRIPTIONS = {
    "distribution": "Shape of the spread of capacity across partners.",
    "initial_trust": "Each partner's trust in each of its vendors at the start.",
    "initial_capability": "Each partner's capability to sell each of its vendors at the start.",
}

_HEADER = """\
# {name}: a channel-program scenario.
#
# Check it with `sim validate {name}.yaml`, run it with `sim run {name}.yaml`. Only `name` and
# `vendors` are required: any other key left out takes the value shown here. Every rate is per
# month and every amount of money is in currency units. Paths such as vendors.acme.program.margin
# name a key in `--set PATH=VALUE`, in events and in the sweep.

# Used for the results folder: letters, digits, '_', '.' or '-'.
name: {name}
# What this scenario asks, in a sentence or two.
description: Two vendors share a pool of multi-vendor partners; acme cuts its margin at month 12.
# Optional: start from another scenario file (path relative to this one) and change only what
# differs. Mappings merge key by key; lists such as vendors and events are replaced whole.
# extends: baseline.yaml
# The vendor the reports are about ("us"): their headline, executive summary and best variant.
# One of the vendors below; left out, the first vendor.
focus: acme
# Seed of all random draws: the same seed gives the same results. Whole number, at least 0.
seed: 42
# Runs per variant, each with its own seed derived from `seed`. Whole number, 1..100000.
replicates: 10
"""

_SECOND_VENDOR = """\
  - name: rival
    # Same keys as acme; a key left out takes its default.
    direct_reps: 30
    product_strength: 0.55
    program: {margin: 0.18, rebate: 0.02, communication: 0.6}
    engagement: {partner_join_stage: 0.3}
"""

_EXAMPLES = """
# Scheduled changes to a vendor's program, comp plan or engagement. `set` names any numeric or
# true/false key under program, comp_plan or engagement. The change is announced notice_months
# before at_month, starts at at_month and reaches its new value after ramp_months (0 = at once).
# Partners always see programme changes; a comp_plan or engagement change reaches them only through
# what reps do, unless announced: true (then it is felt like a programme change).
events:
  - at_month: 12
    vendor: acme
    set: {program.margin: 0.15}
    ramp_months: 0
    notice_months: 0
    announced: false

# Optional: named alternatives, each a set of overrides of everything above. `sim run` runs the
# file itself as variant `base` and each variant next to it. Lists are replaced whole.
variants:
  gradual:
    events:
      - {at_month: 12, vendor: acme, set: {program.margin: 0.15}, ramp_months: 6, notice_months: 3}

# Optional: used by `sim sweep`. Each parameter path gets a [low, high] range.
sweep:
  method: lhs          # grid | random | lhs | sobol | morris
  # N. lhs and random: N parameter sets. grid: about N in all (each of the D parameters gets
  # round(N ** (1/D)) levels, at least 2; 64 with 2 parameters is 8 x 8). sobol: N x (D + 2) sets.
  # morris: N trajectories of D + 1 sets each.
  samples: 64
  parameters:
    vendors.acme.program.margin: [0.05, 0.30]
    vendors.acme.comp_plan.partner_sourced_credit: [0.0, 1.0]
"""


def starter_scenario(name: str) -> str:
    """A fully commented scenario called ``name`` that validates as written.

    Raises:
        ScenarioError: ``name`` is not a valid scenario name.
    """
    if not isinstance(name, str) or not re.match(NAME_PATTERN, name) or len(name) > 100:
        raise ScenarioError([Issue("sim new", None, "name", f"{NAME_HINT}, got {name!r}")])
    parts = [
        _HEADER.format(name=name),
        *_section("time", TimeConfig, "Simulated time."),
        *_section("market", MarketConfig, MarketConfig.__doc__),
        "\n" + _comment(VendorConfig.__doc__ or "", "") + "\n",
        "# Names are used in paths such as vendors.acme.program.margin.\nvendors:\n",
        "  - name: acme\n",
        *_fields(VendorConfig, "    ", skip=("name",)),
        _SECOND_VENDOR,
        *_section("partners", PartnersConfig, PartnersConfig.__doc__, {"vendors_per_partner": 2}),
        _behaviours(),
        _EXAMPLES,
    ]
    return "".join(parts)


def _section(
    key: str, model: type[BaseModel], doc: str | None, values: dict[str, Any] | None = None
) -> list[str]:
    return ["\n", _comment(doc or "", "") + "\n", f"{key}:\n", *_fields(model, "  ", values=values)]


def _fields(
    model: type[BaseModel],
    pad: str,
    skip: tuple[str, ...] = (),
    values: dict[str, Any] | None = None,
) -> list[str]:
    lines = []
    for key, info in model.model_fields.items():
        if key in skip:
            continue
        kind = unwrap(info.annotation)
        if is_model(kind):
            lines.append(_comment(info.description or kind.__doc__ or "", pad) + "\n")
            lines.append(f"{pad}{key}:\n")
            lines.extend(_fields(kind, pad + "  "))
            continue
        if get_origin(kind) is list and is_model(item := get_args(kind)[0]):
            lines.extend(_list_of_models(key, item, info, pad))
            continue
        value = (values or {}).get(key, info.get_default(call_default_factory=True))
        lines.append(_comment(_describe(key, kind, info), pad) + "\n")
        lines.append(f"{pad}{key}: {_scalar(value)}\n")
    return lines


_LIST_EXAMPLES = {
    "tiers": "[{name: gold, min_revenue: 100000, margin_uplift: 0.03, co_sell_priority: 2}]",
    "types": "[{name: var, share: 0.8}, {name: referral, share: 0.2, resells: false}]",
}
"""A one-line example of a list of entries, shown above its empty default."""


def _list_of_models(key: str, item: type[BaseModel], info: FieldInfo, pad: str) -> list[str]:
    """A list of entries (``program.tiers``): what the list is, then each entry key with its unit
    and range, and an empty list to fill in."""
    lines = [_comment(f"{info.description or ''} Each entry has:", pad) + "\n"]
    for name, field in item.model_fields.items():
        kind = unwrap(field.annotation)
        text = "Text." if kind is str else _describe(name, kind, field)
        required = " Required." if field.is_required() else ""
        wrapped = textwrap.wrap(
            f"{name}: {text}{required}",
            WIDTH,
            initial_indent=pad + "# - ",
            subsequent_indent=pad + "#   ",
        )
        lines.append("\n".join(wrapped) + "\n")
    example = _LIST_EXAMPLES.get(key)
    if example:
        lines.append(f"{pad}# e.g. {key}: {example}\n")
    lines.append(f"{pad}{key}: []\n")
    return lines


def _describe(key: str, kind: Any, info: FieldInfo) -> str:
    text = info.description or _MISSING_DESCRIPTIONS.get(key, "")
    if get_origin(kind) is Literal:
        allowed = " | ".join(str(a) for a in get_args(kind))
        return f"{text} One of: {allowed}.".strip()
    if kind is bool:
        return f"{text} true or false.".strip()
    bounds = range_text(info)
    whole = "Whole number" if kind is int else "Number"
    return f"{text} {whole}{', ' + bounds if bounds else ''}.".strip()


def _behaviours() -> str:
    lines = [
        "",
        "# Optional: the behaviour rule of each slot, by name (newest version) or name@version, and",
        "# its parameters; a slot left out uses the default rule shown. `sim behaviours` lists every",
        "# rule with its parameters, units and defaults.",
        "behaviours:",
    ]
    for slot, what in registry.SLOTS.items():
        spec = registry.resolve(slot)
        lines.append(f"  # {slot}: {what}.")
        if slot == "partner_attention":
            params = spec.cls.Params()
            extra = "".join(
                f", {k}: {_scalar(getattr(params, k))}"
                for k in ("temperature", "inertia")
                if k in type(params).model_fields
            )
            lines.append(f"  {slot}: {{rule: {spec.name}{extra}}}")
        else:
            lines.append(f"  {slot}: {{rule: {spec.name}}}")
    return "\n".join(lines) + "\n"


def _comment(text: str, pad: str) -> str:
    text = " ".join(text.split())
    return "\n".join(
        textwrap.wrap(text, WIDTH, initial_indent=pad + "# ", subsequent_indent=pad + "# ")
    )


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number(value)
    text = str(value)
    return text if re.fullmatch(r"[a-z][a-z0-9_-]*", text) else repr(text)
