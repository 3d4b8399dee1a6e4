# expect: failed to import: import_error.py:4: ModuleNotFoundError: No module named 'no_such_module_for_sim'
from sim.behaviours import register  # noqa: F401

import no_such_module_for_sim  # noqa: F401
