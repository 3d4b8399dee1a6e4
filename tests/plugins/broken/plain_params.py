# expect: trust rule plain-params@1: Params must subclass sim.behaviours.RuleParams
from pydantic import BaseModel

from sim.behaviours import register
from sim.behaviours.trust import AsymmetricTrust


class Params(BaseModel):
    rate: float = 0.5


@register("trust", "plain-params", version=1)
class PlainParams(AsymmetricTrust):
    """Trust as asymmetric, with a lenient (non-strict) parameter schema."""

    Params = Params
