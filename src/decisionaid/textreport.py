"""A readable terminal summary of an Assessment (`assess --format text`)."""

from __future__ import annotations

import json

from .evaluation.assess import Assessment
from .plumbing.i18n import N_, _
from .sheet.options import STATUS_TEXT

MARK = {"met": "+", "not_met": "-", "unknown": "?"}
STATE_WORDS = {"met": N_("met"), "not_met": N_("not met"), "unknown": N_("unknown")}


def assessment_text(assessment: Assessment) -> str:
    """The assessment in the current language; ids, statuses, field names and values stay as data."""
    pack = assessment.rule_pack
    lines = [
        # TRANSLATORS: the rule pack's name, version and dates (YYYY-MM-DD), in a terminal report
        _("Rule pack {name} {version} (reviewed {reviewed}, next review {next_review})").format(
            name=pack.name, version=pack.version, reviewed=pack.reviewed, next_review=pack.next_review),
        pack.review_statement,
        _("Profile {digest}").format(digest=assessment.profile_digest),
        _("This is for discussion with your MS team. It does not recommend any treatment."),
        "",
    ]
    if assessment.consistency_warnings:
        lines.append(_("Please check these answers (they seldom go together; the statuses use them as given):"))
        lines += [f"  - {w.text} ({', '.join(w.fields)})" for w in assessment.consistency_warnings]
        lines.append("")
    if assessment.current_drug and assessment.current_drug.notes:
        lines.append(_("Your MS drug, {drug}:").format(drug=assessment.current_drug.name))
        lines += [f"  - {n.text}" for n in assessment.current_drug.notes]
        lines.append("")
    for option in assessment.options:
        lines.append(f"{option.title}")
        # TRANSLATORS: {status} is the status id (e.g. needs_information), {status_text} its words
        lines.append("  " + _("status: {status} ({status_text}). {reason}").format(
            status=option.status, status_text=_(STATUS_TEXT[option.status]), reason=option.reason))
        # TRANSLATORS: the evidence's certainty (e.g. very low) and maturity, as data
        lines.append("  " + _("evidence: {certainty}; {maturity}").format(
            certainty=option.evidence.certainty.replace("_", " "), maturity=option.evidence.maturity))
        for criterion in option.criteria:
            lines.append(f"  [{MARK[criterion.state]}] {criterion.label}: {_(STATE_WORDS[criterion.state])}")
        for risk in option.risks:
            lines.append("  " + _("risk: {text}").format(text=risk.text))
        groups: dict[tuple[str, str], list[str]] = {}  # (field, status) -> the values that give it
        for change in option.what_would_change:
            groups.setdefault((change.field, change.status), []).append(json.dumps(change.value))
        # TRANSLATORS: between the values of one field that would change an option: 1 or 2
        either = " " + _("or") + " "
        for (field, status), values in groups.items():
            # TRANSLATORS: {field} is a profile field name, {values} its values (JSON), {status} a status id
            lines.append("  " + _("would change it: {field} = {values} -> {status}").format(
                field=field, values=either.join(values), status=status))
        lines.append("")
    if assessment.missing_information:
        lines.append(_("Missing information: {fields}").format(fields=", ".join(assessment.missing_information)))
    lines.append(_("Key: [+] met  [-] not met  [?] unknown"))
    return "\n".join(lines)
