"""A readable terminal summary of an Assessment (`assess --format text`)."""

from __future__ import annotations

import json

from .evaluation.assess import Assessment
from .sheet.options import STATUS_TEXT

MARK = {"met": "+", "not_met": "-", "unknown": "?"}


def assessment_text(assessment: Assessment) -> str:
    pack = assessment.rule_pack
    lines = [
        f"Rule pack {pack.name} {pack.version} (reviewed {pack.reviewed}, next review {pack.next_review})",
        pack.review_statement,
        f"Profile {assessment.profile_digest}",
        "This is for discussion with your MS team. It does not recommend any treatment.",
        "",
    ]
    if assessment.consistency_warnings:
        lines.append("Please check these answers (they seldom go together; the statuses use them as given):")
        lines += [f"  - {w.text} ({', '.join(w.fields)})" for w in assessment.consistency_warnings]
        lines.append("")
    if assessment.current_drug and assessment.current_drug.notes:
        lines.append(f"Your MS drug, {assessment.current_drug.name}:")
        lines += [f"  - {n.text}" for n in assessment.current_drug.notes]
        lines.append("")
    for option in assessment.options:
        lines.append(f"{option.title}")
        lines.append(f"  status: {option.status} ({STATUS_TEXT[option.status]}). {option.reason}")
        lines.append(f"  evidence: {option.evidence.certainty.replace('_', ' ')}; {option.evidence.maturity}")
        for criterion in option.criteria:
            lines.append(f"  [{MARK[criterion.state]}] {criterion.label}: {criterion.state.replace('_', ' ')}")
        for risk in option.risks:
            lines.append(f"  risk: {risk.text}")
        groups: dict[tuple[str, str], list[str]] = {}  # (field, status) -> the values that give it
        for change in option.what_would_change:
            groups.setdefault((change.field, change.status), []).append(json.dumps(change.value))
        for (field, status), values in groups.items():
            lines.append(f"  would change it: {field} = {' or '.join(values)} -> {status}")
        lines.append("")
    if assessment.missing_information:
        lines.append("Missing information: " + ", ".join(assessment.missing_information))
    lines.append("Key: [+] met  [-] not met  [?] unknown")
    return "\n".join(lines)
