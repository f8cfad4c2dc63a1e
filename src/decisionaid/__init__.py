"""decisionaid: a rules-based patient decision aid for multiple sclerosis.

profile (YAML/JSON) → Profile → engine (durable-rules) → Assessment → Sheet → HTML → PDF
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("decisionaid")
except PackageNotFoundError:  # running from a checkout without installing
    __version__ = "0.0.0+checkout"
