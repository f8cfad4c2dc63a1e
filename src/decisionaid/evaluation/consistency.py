"""Answers that are unlikely together: a note to check them, never a change of status.

Each check names the profile fields (dotted paths) it read. The sheet prints the notes at the top
of page 1 and on the MS team's page, and the web form shows them beside the sheet; the statuses
stay exactly as the rules decide them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..profile.model import Profile

#: the lowest EDSS that usually goes with each way of walking (Kurtzke: 6.0 one aid, 6.5 two aids,
#: 7.0 and more a wheelchair); a score this far or more below it is unlikely with that walking
_WALKING_EDSS = {"one_aid": (6.0, "use one stick or aid"), "two_aids": (6.5, "use two sticks or a frame"),
                 "wheelchair": (7.0, "use a wheelchair")}
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
        usual, words = _WALKING_EDSS[walking]
        if edss <= usual - _EDSS_GAP:
            found.append(ConsistencyWarning(fields=["edss", "walking"], text=(
                f"An EDSS of {edss:.1f}, and you {words}: people who {words} usually have an EDSS of "
                f"{usual:.1f} or more.")))
    if edss is not None and walking == "unaided" and edss >= _UNAIDED_EDSS:
        found.append(ConsistencyWarning(fields=["edss", "walking"], text=(
            f"An EDSS of {edss:.1f}, and you walk without help: an EDSS of {_UNAIDED_EDSS:.1f} or more usually "
            "means a wheelchair.")))
    years = profile.years_since_first_symptoms
    if years is not None and profile.age - years < _YOUNGEST_ONSET:
        found.append(ConsistencyWarning(fields=["age", "years_since_first_symptoms"], text=(
            f"Age {profile.age}, and first MS symptoms {years:g} years ago: that is before age {_YOUNGEST_ONSET}, "
            "which is very rare.")))
    relapses = max(profile.relapses_last_12_months or 0, profile.relapses_last_24_months or 0)
    if profile.ms_type == "CIS" and relapses >= 2:
        counted = "relapses_last_24_months" if (profile.relapses_last_24_months or 0) >= 2 else "relapses_last_12_months"
        found.append(ConsistencyWarning(fields=["ms_type", counted], text=(
            f"CIS (a first episode), and {relapses} relapses: more than one episode usually means relapsing MS.")))
    if profile.ms_type == "PPMS" and relapses >= 1:
        counted = "relapses_last_12_months" if (profile.relapses_last_12_months or 0) >= 1 else "relapses_last_24_months"
        found.append(ConsistencyWarning(fields=["ms_type", counted], text=(
            "Primary progressive MS, and a relapse: this is possible, but uncommon.")))
    if profile.pregnant_or_breastfeeding == "yes":
        found.append(ConsistencyWarning(fields=["pregnant_or_breastfeeding"], text=(
            "'Pregnant or breastfeeding' (an older question) does not say which, so the sheet weighs it as "
            "pregnancy. If you only breastfeed, answer the two questions apart: more may fit.")))
    return found
