"""Example behaviour rules for channel-sim; importing the package registers them.

- ``partner_attention: satisficing@1`` (:mod:`.attention`)
- ``trust: forgiving@1`` (:mod:`.trust`)
"""

from channel_sim_example_rules.attention import Satisficing
from channel_sim_example_rules.trust import ForgivingTrust

__all__ = ["ForgivingTrust", "Satisficing"]
