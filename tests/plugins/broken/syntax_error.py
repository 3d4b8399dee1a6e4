# expect: syntax_error.py:4: SyntaxError
from sim.behaviours import register  # noqa: F401

def oops(:
    pass
