# expect: failed to import: bad_slot.py:5: UnknownRuleError: unknown behaviour slot 'atention'
from sim.behaviours import Rule, register


@register("atention", "typo", version=1)
class Typo(Rule):
    """A rule for a slot that does not exist."""
