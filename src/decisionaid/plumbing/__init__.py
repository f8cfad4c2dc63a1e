"""Plumbing: what every stage above may use, and which uses nothing of decisionaid.

    errors.py       the one exception tree; Diagnostic, a problem at file:line:col
    safeio.py       the one safe way to read an input and to write an output
    yamlpos.py      YAML and JSON read with the line and column of every value
    resources.py    where the shipped rules, templates and seeds live
    readability.py  the reading grade of a passage, or of a rendered sheet's prose
    metrics.py      what GET /metrics counts (Prometheus), never anything about a patient
    scratch.py      temporary folders removed when the run or the worker process ends
"""
