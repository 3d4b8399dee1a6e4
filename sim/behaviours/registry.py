"""Registry of named, versioned behaviour rules.

Each behaviour *slot* (``partner_attention``, ``trust``, ``capability``, ``rep_engagement``,
``deal_outcome``) has a small protocol, defined next to its built-in rules. A rule is a class with a
``Params`` pydantic model (units and defaults in the field descriptions) and a one-sentence docstring,
registered under a name and an integer version::

    @register("trust", "asymmetric", version=1)
    class AsymmetricTrust(Rule):
        '''Trust rises slowly with good experiences and falls about twice as fast with bad ones.'''
        class Params(RuleParams): ...

A scenario picks ``rule: asymmetric`` (the newest version) or ``rule: asymmetric@1`` (pinned). Changing
what a rule does means registering a new version, so results that name ``@1`` keep their meaning.

A rule is written in the *population* form (arrays for every agent at once), the *per-agent* form
(plain values for one agent, methods ending in ``_one``) or both; :data:`FORM_METHODS` lists each
slot's methods in each form. ``RuleSpec.forms`` says which forms the author wrote, and
``RuleSpec.runnable`` (what :func:`build` instantiates) fills in the missing form from the slot's
adapter (:mod:`sim.behaviours.forms`), so either engine can run any rule.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from sim.behaviours import discovery
from sim.behaviours.forms import PER_AGENT, POPULATION
from sim.behaviours.params import ints_as_floats

SLOTS: dict[str, str] = {
    "partner_attention": "how a partner splits its sales attention over its vendors and outside option",
    "trust": "how a partner's trust in a vendor moves with its experiences",
    "capability": "how a partner's capability to sell a vendor grows and decays",
    "rep_engagement": "when direct reps co-sell with partners and when they contest partner deals",
    "deal_outcome": "the probability that an open deal closes won",
}

DEFAULT_RULES: dict[str, str] = {
    "partner_attention": "softmax-utility",
    "trust": "asymmetric",
    "capability": "enablement-learning",
    "rep_engagement": "credit-logit",
    "deal_outcome": "logistic-lift",
}

FORM_METHODS: dict[str, tuple[tuple[str, str], ...]] = {
    "partner_attention": (("allocate", "allocate_one"),),
    "trust": (("update", "update_one"), ("surprise", "surprise_one")),
    "capability": (("update", "update_one"),),
    "rep_engagement": (
        ("cosell_probability", "cosell_probability_one"),
        ("contest_probability", "contest_probability_one"),
        ("takeover_probability", "takeover_probability_one"),
    ),
    "deal_outcome": (
        ("win_probability", "win_probability_one"),
        ("services_share", "services_share_one"),
    ),
}
"""Per slot, its protocol's methods as ``(population form, per-agent form)`` pairs."""

ADAPTERS: dict[str, str] = {
    "partner_attention": "sim.behaviours.attention:AttentionForms",
    "trust": "sim.behaviours.trust:TrustForms",
    "capability": "sim.behaviours.capability:CapabilityForms",
    "rep_engagement": "sim.behaviours.reps:RepForms",
    "deal_outcome": "sim.behaviours.deals:DealForms",
}
"""Per slot, the adapter class that writes each form of the protocol in terms of the other."""


class RuleParams(BaseModel):
    """Base for a rule's parameter schema: unknown parameters are errors, values are not coerced
    from text or booleans, infinities and NaN are rejected, and the validated values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _ints_are_floats(cls, data: Any) -> Any:
        return ints_as_floats(cls, data)


class Rule:
    """Base for behaviour rules. Subclasses define ``Params`` and the slot's methods (listed in
    :data:`FORM_METHODS`) in the population form, the per-agent form, or both."""

    Params: ClassVar[type[RuleParams]] = RuleParams
    spec: ClassVar[RuleSpec]

    def __init__(self, params: RuleParams | None = None) -> None:
        self.params = params if params is not None else self.Params()


R = TypeVar("R", bound=type[Rule])


@dataclass(frozen=True)
class RuleSpec:
    """A registered rule: where it plugs in, its name and version, and its class."""

    slot: str
    name: str
    version: int
    cls: type[Rule]
    origin: str = "built-in"

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def summary(self) -> str:
        """The first sentence of the rule's docstring."""
        doc = (self.cls.__doc__ or "").strip()
        return doc.split("\n\n")[0].replace("\n", " ").strip()

    @property
    def methods(self) -> tuple[tuple[str, str], ...]:
        """The slot's protocol methods as ``(population form, per-agent form)`` pairs."""
        return FORM_METHODS[self.slot]

    @property
    def forms(self) -> frozenset[str]:
        """The forms the rule's author wrote: ``"population"``, ``"per-agent"`` or both."""
        return written_forms(self.slot, self.cls)

    @property
    def runnable(self) -> type[Rule]:
        """The rule's class with any missing form filled in by the slot's adapter; what
        :func:`build` instantiates. The class itself when the author wrote both forms."""
        return _runnable(self.slot, self.cls)

    def build(self, params: dict[str, Any] | RuleParams | None = None) -> Rule:
        """An instance that runs in both forms, with ``params`` validated by the rule's schema."""
        if not isinstance(params, RuleParams):
            params = validate_params(self, params or {})
        return self.runnable(params)

    def parameters(self) -> dict[str, dict[str, Any]]:
        """Parameter name -> default and description, for listings."""
        out = {}
        for key, field in self.cls.Params.model_fields.items():
            out[key] = {"default": field.default, "description": field.description or ""}
        return out


class UnknownRuleError(LookupError):
    """A scenario or call named a slot or rule the registry does not have."""


_REGISTRY: dict[str, dict[str, dict[int, RuleSpec]]] = {slot: {} for slot in SLOTS}
_RUNNABLE: dict[tuple[str, type[Rule]], type[Rule]] = {}


def _depth(cls: type, method: str) -> int | None:
    """How far up ``cls``'s MRO ``method`` is defined (0 = in ``cls`` itself); None if nowhere."""
    for depth, klass in enumerate(cls.__mro__):
        if method in vars(klass):
            return depth if callable(getattr(cls, method)) else None
    return None


def missing_methods(slot: str, cls: type) -> tuple[str, ...]:
    """The protocol methods of ``slot`` that ``cls`` does not really provide.

    A method is missing when no class in ``cls``'s MRO defines it, or when it is *stale*: inherited
    from a class above the one that defines its counterpart in the other form. A researcher who
    subclasses a built-in rule and overrides only ``update`` thus gets ``update_one`` derived from
    the new ``update``, not the parent's ``update_one``, so both engines run the new rule.
    """
    missing = []
    for population, one in FORM_METHODS[slot]:
        depth_population, depth_one = _depth(cls, population), _depth(cls, one)
        if depth_population is None or (depth_one is not None and depth_one < depth_population):
            missing.append(population)
        if depth_one is None or (depth_population is not None and depth_population < depth_one):
            missing.append(one)
    return tuple(missing)


def written_forms(slot: str, cls: type) -> frozenset[str]:
    """The forms ``cls`` implements for ``slot``: a form counts when none of its methods is
    missing (:func:`missing_methods`)."""
    missing = set(missing_methods(slot, cls))
    forms = set()
    if not missing & {population for population, _ in FORM_METHODS[slot]}:
        forms.add(POPULATION)
    if not missing & {one for _, one in FORM_METHODS[slot]}:
        forms.add(PER_AGENT)
    return frozenset(forms)


def _check_protocol(slot: str, name: str, cls: type) -> None:
    """Each protocol method must be written in at least one form."""
    missing = set(missing_methods(slot, cls))
    unwritten = [
        f"{population} or {one}"
        for population, one in FORM_METHODS[slot]
        if {population, one} <= missing
    ]
    if unwritten:
        raise TypeError(
            f"{slot} rule {name!r} ({cls.__name__}) must define {'; '.join(unwritten)} "
            "(the population form, the per-agent form or both; see sim/behaviours/"
            f"{ADAPTERS[slot].split(':')[0].rsplit('.', 1)[-1]}.py)"
        )


def _adapter(slot: str) -> type:
    module, _, name = ADAPTERS[slot].partition(":")
    return getattr(importlib.import_module(module), name)


def _runnable(slot: str, cls: type[Rule]) -> type[Rule]:
    missing = missing_methods(slot, cls)
    if not missing:
        return cls
    key = (slot, cls)
    if key not in _RUNNABLE:
        adapter = _adapter(slot)
        namespace: dict[str, Any] = {name: vars(adapter)[name] for name in missing}
        namespace.update(__doc__=cls.__doc__, __module__=cls.__module__)
        _RUNNABLE[key] = type(cls.__name__, (cls,), namespace)
    return _RUNNABLE[key]


def via_other_form(rule: Rule, method: str) -> Callable[..., Any]:
    """``rule``'s protocol method ``method`` computed through the rule's *other* form.

    For a population method (``allocate``) it calls the per-agent form (``allocate_one``) once per
    agent; for a per-agent method (``allocate_one``) it calls the population form on arrays of one
    agent. So ``via_other_form(rule, "allocate")(x)`` next to ``rule.allocate(x)`` checks that a
    rule's two forms agree.
    """
    return getattr(_adapter(rule.spec.slot), method).__get__(rule)


def register(slot: str, name: str, version: int = 1, origin: str | None = None) -> Callable[[R], R]:
    """Class decorator registering a rule under ``slot``, ``name`` and ``version``.

    ``origin`` (shown by ``sim behaviours``) defaults to where the class comes from: ``built-in``,
    the plugin distribution or file that defines it (:mod:`sim.behaviours.discovery`).
    """
    if slot not in SLOTS:
        raise UnknownRuleError(f"unknown behaviour slot {slot!r}; slots are {', '.join(SLOTS)}")

    def decorate(cls: R) -> R:
        versions = _REGISTRY[slot].setdefault(name, {})
        existing = versions.get(version)
        if existing is not None and existing.cls is not cls:
            raise ValueError(f"rule {name}@{version} is already registered for slot {slot}")
        _check_protocol(slot, name, cls)
        where = origin or discovery.origin_of(cls)
        spec = RuleSpec(slot=slot, name=name, version=version, cls=cls, origin=where)
        versions[version] = spec
        cls.spec = spec
        return cls

    return decorate


def _load_builtins() -> None:
    # Importing the modules registers the built-in rules.
    from sim.behaviours import attention, capability, deals, reps, trust, trust_v2  # noqa: F401

    discovery.load_entry_points()  # installed plugins, once per process


def all_rules() -> Iterator[RuleSpec]:
    """Every registered rule, by slot, name and version."""
    _load_builtins()
    for slot in SLOTS:
        for name in sorted(_REGISTRY[slot]):
            for version in sorted(_REGISTRY[slot][name]):
                yield _REGISTRY[slot][name][version]


def resolve(slot: str, ref: str | None = None) -> RuleSpec:
    """Find ``name`` (newest version) or ``name@N`` in ``slot``; None means the slot's default."""
    _load_builtins()
    if slot not in SLOTS:
        raise UnknownRuleError(f"unknown behaviour slot {slot!r}; allowed: {', '.join(SLOTS)}")
    ref = ref or DEFAULT_RULES[slot]
    name, _, version_text = ref.partition("@")
    if version_text and not version_text.isdigit():
        raise UnknownRuleError(f"{slot} rule {ref!r}: a version is a whole number, as in {name}@1")
    versions = _REGISTRY[slot].get(name)
    if not versions:
        known = ", ".join(sorted(_REGISTRY[slot])) or "none"
        raise UnknownRuleError(
            f"unknown {slot} rule {name!r}; registered: {known}{discovery.broken_note()}"
        )
    if not version_text:
        return versions[max(versions)]
    version = int(version_text)
    if version not in versions:
        known = ", ".join(f"{name}@{v}" for v in sorted(versions))
        raise UnknownRuleError(
            f"{slot} rule {name!r} has no version {version}; registered: {known}"
        )
    return versions[version]


def validate_params(spec: RuleSpec, params: dict[str, Any]) -> RuleParams:
    """Validate ``params`` with the rule's schema (raises pydantic ``ValidationError``)."""
    return spec.cls.Params.model_validate(params)


def build(slot: str, ref: str | None = None, params: dict[str, Any] | None = None) -> Rule:
    """An instance of the rule ``ref`` in ``slot`` with validated ``params``."""
    return resolve(slot, ref).build(params)


__all__ = [
    "ADAPTERS",
    "DEFAULT_RULES",
    "FORM_METHODS",
    "PER_AGENT",
    "POPULATION",
    "SLOTS",
    "Rule",
    "RuleParams",
    "RuleSpec",
    "UnknownRuleError",
    "ValidationError",
    "all_rules",
    "build",
    "register",
    "resolve",
    "validate_params",
    "missing_methods",
    "via_other_form",
    "written_forms",
]
