"""The rule pack: rules/ read into checked, typed models. Uses only plumbing/.

    models.py      the pack's pydantic models: options, criteria, statements, decision tables
    vocabulary.py  the closed vocabulary conditions may use: profile fields and derived facts
    conditions.py  conditions compiled for durable-rules, and whether they fit the engine
    catalogue.py   the drug catalogue: names, brands, efficacy tiers and families
    safety.py      which safety facts each option weighs, or declares not relevant
    tables.py      decision tables analysed: overlaps, gaps, unreachable rows
    loader.py      the folder read and checked as a whole, every problem at file:line:col
"""
