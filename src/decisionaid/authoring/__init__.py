"""The rule author's tools: `decisionaid rules check|test|docs` and `decisionaid schema`.

Uses every stage below the top (plumbing/, pack/, profile/, evaluation/, fhir/ for the FHIR map's
checks); nothing a patient's sheet needs imports it.

    cli.py          the `rules` and `schema` commands
    checks.py       `rules check`: the loader's checks, then sources, quotes and readability
    readability.py  which text of an option a patient reads
    ruletests.py    `rules test`: the named cases in rules/tests/, and coverage
    docs.py         `rules docs`: the generated catalogue docs/rules.md
    schemas.py      the JSON Schemas of the profile and the rule files
"""
