"""The profile: what a person tells us about the patient. Uses plumbing/ and pack/.

    model.py  the profile contract (v1.2) as a pydantic model
    read.py   a profile read from YAML, JSON or standard input, every problem at once
    facts.py  the facts of one profile in the pack's vocabulary; unknown facts left out
"""
