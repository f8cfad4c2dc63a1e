"""Answers that are unlikely together: a note to check them, never a change of status.

Each check names the profile fields (dotted paths) it read. The sheet prints the notes at the top
of page 1 and on the MS team's page, and the web form shows them beside the sheet; the statuses
stay exactly as the rules decide them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..plumbing.i18n import N_, _, current_language, ngettext, number
from ..profile.model import Profile

#: the lowest EDSS that usually goes with each way of walking (Kurtzke: 6.0 one aid, 6.5 two aids,
#: 7.0 and more a wheelchair); a score this far or more below it is unlikely with that walking.
#: One whole sentence per way of walking: the words for it change with who does it.
_WALKING_EDSS = {
    "one_aid": (6.0, N_("An EDSS of {score}, and you use one stick or aid: people who use one stick or aid usually "
                        "have an EDSS of {usual} or more.")),
    "two_aids": (6.5, N_("An EDSS of {score}, and you use two sticks or a frame: people who use two sticks or a frame "
                         "usually have an EDSS of {usual} or more.")),
    "wheelchair": (7.0, N_("An EDSS of {score}, and you use a wheelchair: people who use a wheelchair usually have an "
                           "EDSS of {usual} or more.")),
}
_EDSS_GAP = 1.5
#: walking unaided with an EDSS of this or more is unlikely (7.0: essentially restricted to a wheelchair)
_UNAIDED_EDSS = 7.0
#: MS very rarely starts before this age
_YOUNGEST_ONSET = 5


class ConsistencyWarning(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    fields: list[str]
    text: str


def consistency_warnings(profile: Profile) -> list[ConsistencyWarning]:
    """Notes on answers that seldom go together, in contract order of their first field."""
    found: list[ConsistencyWarning] = []
    edss, walking = profile.edss, profile.walking
    if edss is not None and walking in _WALKING_EDSS:
        usual, text = _WALKING_EDSS[walking]
        if edss <= usual - _EDSS_GAP:
            found.append(ConsistencyWarning(fields=["edss", "walking"], text=_(text).format(
                score=_score(edss), usual=_score(usual))))
    if edss is not None and walking == "unaided" and edss >= _UNAIDED_EDSS:
        found.append(ConsistencyWarning(fields=["edss", "walking"], text=_(
            "An EDSS of {score}, and you walk without help: an EDSS of {limit} or more usually means a wheelchair."
        ).format(score=_score(edss), limit=_score(_UNAIDED_EDSS))))
    years = profile.years_since_first_symptoms
    if years is not None and profile.age - years < _YOUNGEST_ONSET:
        found.append(ConsistencyWarning(fields=["age", "years_since_first_symptoms"], text=ngettext(
            "Age {age}, and first MS symptoms {years} year ago: that is before age {youngest}, which is very rare.",
            "Age {age}, and first MS symptoms {years} years ago: that is before age {youngest}, which is very rare.",
            int(years) if years == int(years) else 2,  # a fraction takes the plural: 1.5 years
        ).format(age=number(profile.age), years=number(years), youngest=number(_YOUNGEST_ONSET))))
    relapses = max(profile.relapses_last_12_months or 0, profile.relapses_last_24_months or 0)
    if profile.ms_type == "CIS" and relapses >= 2:
        counted = "relapses_last_24_months" if (profile.relapses_last_24_months or 0) >= 2 else "relapses_last_12_months"
        found.append(ConsistencyWarning(fields=["ms_type", counted], text=_(
            "CIS (a first episode), and {count} relapses: more than one episode usually means relapsing MS."
        ).format(count=number(relapses))))
    if profile.ms_type == "PPMS" and relapses >= 1:
        counted = "relapses_last_12_months" if (profile.relapses_last_12_months or 0) >= 1 else "relapses_last_24_months"
        found.append(ConsistencyWarning(fields=["ms_type", counted], text=_(
            "Primary progressive MS, and a relapse: this is possible, but uncommon.")))
    if profile.pregnant_or_breastfeeding == "yes":
        found.append(ConsistencyWarning(fields=["pregnant_or_breastfeeding"], text=_(
            "'Pregnant or breastfeeding' (an older question) does not say which, so the sheet weighs it as "
            "pregnancy. If you only breastfeed, answer the two questions apart: more may fit.")))
    return found


def _score(value: float) -> str:
    """An EDSS score with its one decimal (6.0), as the current language writes it (6,0 in Spanish)."""
    from babel.numbers import format_decimal

    return format_decimal(value, format="0.0", locale=current_language())
