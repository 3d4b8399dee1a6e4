# expect: (trust rule half-trust@1: missing the trust method\(s\) surprise|trust rule 'half-trust' \(HalfTrust\) must define surprise or surprise_one)
# (the first form is the plugin loader's check; the second the registry's, where it checks forms)
import numpy as np

from sim.behaviours import Rule, register


@register("trust", "half-trust", version=1)
class HalfTrust(Rule):
    """Trust never changes (but the rule forgot the surprise method)."""

    def update(self, trust: np.ndarray, s: object) -> np.ndarray:
        return trust.copy()
