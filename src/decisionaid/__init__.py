"""decisionaid: a rules-based patient decision aid for multiple sclerosis.

profile (YAML/JSON) → Profile → engine (durable-rules) → Assessment → Sheet → HTML → PDF
"""

# The one place the version is written (pyproject.toml reads it from here): importlib.metadata
# would cost a cold `decisionaid sheet` about 35 ms of imports.
__version__ = "0.1.0"
