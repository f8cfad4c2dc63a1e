"""Where a cold `decisionaid sheet` spends its time, stage by stage (run in a fresh process).

    python -m benchmarks.cold_stages PROFILE OUT.pdf DATE [visit|booklet]  ->  JSON {stage: seconds}
"""

import json
import sys
import time

start = time.perf_counter()
stages = {}


def mark(name: str) -> None:
    global start
    now = time.perf_counter()
    stages[name] = now - start
    start = now


import datetime as dt

import click  # noqa: F401

from decisionaid import cli  # noqa: F401

mark("import the CLI (click, pydantic, yaml, jinja2, durable-rules)")
from decisionaid.pack.loader import load_rule_pack

pack = load_rule_pack()
mark("load and check the rule pack")
from decisionaid.evaluation.engine import RuleEngine

engine = RuleEngine(pack)
mark("compile the rules into durable-rules")
from decisionaid.profile.read import load_profile

profile = load_profile(sys.argv[1], pack.catalogue)
mark("read and check the profile")
from decisionaid.evaluation.assess import assess

assessment = assess(profile, pack, engine)
mark("assess")
from decisionaid.sheet import build_sheet

document = sys.argv[4] if len(sys.argv) > 4 else "visit"
sheet = build_sheet(assessment, pack, profile, sheet_date=dt.date.fromisoformat(sys.argv[3]), document=document)
mark("build the sheet model")
from decisionaid.sheet import render

html = render.render_html(sheet)
mark("render the HTML (jinja2)")
stylesheets = render.STYLESHEETS[document, False]
render._weasy(stylesheets)
mark("import WeasyPrint, parse the CSS")
pdf = render.html_to_pdf(html, stylesheets)
mark("lay out and write the PDF (WeasyPrint)")
from decisionaid.plumbing.safeio import write_output

write_output(sys.argv[2], pdf)
mark("write the file")
print(json.dumps(stages))
