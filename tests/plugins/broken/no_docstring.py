# expect: trust rule mute@1: the class needs a docstring stating the rule in one sentence
from sim.behaviours import register
from sim.behaviours.trust import AsymmetricTrust


@register("trust", "mute", version=1)
class Mute(AsymmetricTrust):
    pass


Mute.__doc__ = None
