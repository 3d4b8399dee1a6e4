"""``RuleContract``: the base of a rule's pytest class, one test per property of the contract."""

from __future__ import annotations

from typing import Any, ClassVar

from sim.testing.checks import RuleLike, Skip, run_check


class RuleContract:
    """Base class for a rule's pytest class: one test per property of :data:`sim.testing.checks.CHECKS`.

    Set ``rule`` (the class, ``"slot:name[@N]"`` or a spec) and optionally ``params`` and ``seed``;
    add the rule's own known-answer tests as further methods::

        class TestSatisficing(RuleContract):
            rule = Satisficing
    """

    rule: ClassVar[RuleLike]
    params: ClassVar[dict[str, Any] | None] = None
    seed: ClassVar[int] = 0

    def _check(self, name: str) -> None:
        try:
            run_check(name, self.rule, seed=self.seed, params=self.params)
        except Skip as why:
            import pytest

            pytest.skip(str(why))

    def test_params(self) -> None:
        self._check("params")

    def test_documented(self) -> None:
        self._check("documented")

    def test_reproducible(self) -> None:
        self._check("reproducible")

    def test_shapes(self) -> None:
        self._check("shapes")

    def test_invariants(self) -> None:
        self._check("invariants")

    def test_extreme_inputs(self) -> None:
        self._check("extreme_inputs")

    def test_extreme_params(self) -> None:
        self._check("extreme_params")

    def test_random_params(self) -> None:
        self._check("random_params")

    def test_forms_agree(self) -> None:
        self._check("forms_agree")
