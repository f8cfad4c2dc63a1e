"""The booklet's length as the range over the examples, normal and large print, written where the form
and the README read it (templates/document-lengths.yaml, the README's sentence about the booklet).
Run by scripts/docs-images.sh; tests/test_docs_fresh.py fails when the committed range is stale."""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
from pathlib import Path

import pypdf

from decisionaid.pipeline import make_sheet, rule_pack_and_engine
from decisionaid.profile.read import load_profile
from decisionaid.sheet import render_pdf

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 11, 22)
README_SENTENCE = re.compile(r"The booklet \(`--booklet`; \d+ to \d+ pages, \d+ to \d+ in large print\)")


def booklet_pages(large_print: bool) -> list[int]:
    pack, _ = rule_pack_and_engine(ROOT / "rules")
    counts = []
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        sheet = make_sheet(load_profile(str(path), pack.catalogue), sheet_date=DAY, large_print=large_print,
                           document="booklet", rules_dir=ROOT / "rules")
        counts.append(len(pypdf.PdfReader(io.BytesIO(render_pdf(sheet))).pages))
    return counts


def main() -> None:
    normal, large = booklet_pages(False), booklet_pages(True)
    (ROOT / "templates" / "document-lengths.yaml").write_text(
        "# The booklet's length over the examples, made by scripts/docs-images.sh; do not edit by hand.\n"
        f"booklet: [{min(normal)}, {max(normal)}]\nbooklet_large_print: [{min(large)}, {max(large)}]\n",
        encoding="utf-8")
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    sentence = (f"The booklet (`--booklet`; {min(normal)} to {max(normal)} pages, "
                f"{min(large)} to {max(large)} in large print)")
    if not README_SENTENCE.search(text):
        sys.exit("README.md: the sentence about the booklet's length was not found")
    readme.write_text(README_SENTENCE.sub(sentence, text), encoding="utf-8")


if __name__ == "__main__":
    main()
