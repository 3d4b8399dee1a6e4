# expect: failed to import: duplicate.py:\d+: ValueError: rule asymmetric@1 is already registered for slot trust
from sim.behaviours import register
from sim.behaviours.trust import AsymmetricTrust


@register("trust", "asymmetric", version=1)
class Copy(AsymmetricTrust):
    """A copy of the built-in rule under its own name and version."""
