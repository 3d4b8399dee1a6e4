# expect: failed to import: half_registered.py:12: RuntimeError: the plugin breaks after registering a rule
from sim.behaviours import register
from sim.behaviours.trust import AsymmetricTrust


@register("trust", "registered-then-broken", version=1)
class RegisteredThenBroken(AsymmetricTrust):
    """A rule whose file fails after registering it: it must not stay registered."""


def fail() -> None:
    raise RuntimeError("the plugin breaks after registering a rule")
fail()
