"""A plugin file for the tests: partner attention split evenly over active vendors and outside."""

import numpy as np
from pydantic import Field

from sim.behaviours import Rule, RuleParams, register
from sim.behaviours.attention import AttentionInputs


class EvenSplitParams(RuleParams):
    outside_weight: float = Field(
        1.0, gt=0, le=100, description="Weight of the outside option relative to one vendor."
    )


@register("partner_attention", "even-split", version=1)
class EvenSplit(Rule):
    """Partners split attention evenly over their active vendors and the (weighted) outside option."""

    Params = EvenSplitParams
    params: EvenSplitParams

    def allocate(self, x: AttentionInputs, initial: bool = False) -> np.ndarray:
        weights = np.column_stack(
            [x.active.astype(float), np.full(len(x.active), self.params.outside_weight)]
        )
        return weights / weights.sum(axis=1, keepdims=True)
