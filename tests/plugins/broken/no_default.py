# expect: trust rule no-default@1: Params must be valid with its defaults: no default for rate
from pydantic import Field

from sim.behaviours import RuleParams, register
from sim.behaviours.trust import AsymmetricTrust


class Params(RuleParams):
    rate: float = Field(gt=0, description="A parameter a scenario must always give.")


@register("trust", "no-default", version=1)
class NoDefault(AsymmetricTrust):
    """Trust as asymmetric, with a parameter that has no default."""

    Params = Params
