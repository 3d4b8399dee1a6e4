# expect: trust rule asymmetric@3: the name 'asymmetric' belongs to built-in; a plugin may add versions only to its own rules
from sim.behaviours import register
from sim.behaviours.trust import AsymmetricTrust


@register("trust", "asymmetric", version=3)
class Newer(AsymmetricTrust):
    """A plugin may not add a version to a built-in rule: `rule: asymmetric` would change meaning."""
