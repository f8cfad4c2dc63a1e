"""Evaluation: a profile against the rule pack. Uses plumbing/, pack/ and profile/.

    engine.py   the only module that imports durable-rules: which rules fire for a profile
    status.py   the status decision: the first matching row of an option's decision table
    assess.py   the assessment: each option's status, criteria, statements and what is missing
    changes.py  what would change: the single answers that would decide an undecided option
    drug_notes.py  the patient's own drug: the passages of its labels that concern this profile
"""
