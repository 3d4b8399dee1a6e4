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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from sim.behaviours import discovery
from sim.config import ints_as_floats

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


class RuleParams(BaseModel):
    """Base for a rule's parameter schema: unknown parameters are errors, values are not coerced
    from text or booleans, infinities and NaN are rejected, and the validated values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _ints_are_floats(cls, data: Any) -> Any:
        return ints_as_floats(cls, data)


class Rule:
    """Base for behaviour rules. Subclasses define ``Params`` and the slot's methods."""

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

    def parameters(self) -> dict[str, dict[str, Any]]:
        """Parameter name -> default and description, for listings."""
        out = {}
        for key, field in self.cls.Params.model_fields.items():
            out[key] = {"default": field.default, "description": field.description or ""}
        return out


class UnknownRuleError(LookupError):
    """A scenario or call named a slot or rule the registry does not have."""


_REGISTRY: dict[str, dict[str, dict[int, RuleSpec]]] = {slot: {} for slot in SLOTS}


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
        where = origin or discovery.origin_of(cls)
        spec = RuleSpec(slot=slot, name=name, version=version, cls=cls, origin=where)
        versions[version] = spec
        cls.spec = spec
        return cls

    return decorate


def _load_builtins() -> None:
    # Importing the modules registers the built-in rules.
    from sim.behaviours import attention, capability, deals, reps, trust  # noqa: F401

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
    spec = resolve(slot, ref)
    return spec.cls(validate_params(spec, params or {}))


__all__ = [
    "DEFAULT_RULES",
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
]
