"""`POST /cds-services/{id}/feedback` (CDS Hooks 2.0): what the clinician did with a card.

The outcomes (`accepted`, `overridden`) are counted in the metrics and nothing else is kept: not the
card's id, not the override reason, not the user's comment (which may say something about the patient).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..plumbing.errors import InputError
from ..plumbing.metrics import CDS_FEEDBACK
from ..plumbing.safeio import decode
from ..plumbing.yamlpos import ReadError, read_text

MAX_ITEMS = 100


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)  # later versions may add fields


class Suggestion(_Lenient):
    id: Annotated[str, Field(min_length=1, max_length=256)]


class FeedbackItem(_Lenient):
    card: Annotated[str, Field(min_length=1, max_length=256)]
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: Annotated[list[Suggestion], Field(max_length=MAX_ITEMS)] = []
    overrideReason: dict[str, Any] | None = None
    outcomeTimestamp: Annotated[str, Field(min_length=1, max_length=64)]


class Feedback(_Lenient):
    feedback: Annotated[list[FeedbackItem], Field(min_length=1, max_length=MAX_ITEMS)]


class FeedbackInvalid(Exception):
    """The body is not CDS Hooks feedback: answer 400 with these problems."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems


def record_feedback(body: bytes) -> int:
    """Count the outcomes of a feedback body; returns how many; raises FeedbackInvalid."""
    try:
        doc = read_text(decode(body, "request"), "request", as_json=True)  # size and depth limits
    except (ReadError, InputError) as exc:
        raise FeedbackInvalid("the request is not usable JSON", [d.message for d in exc.diagnostics]) from None
    try:
        feedback = Feedback.model_validate(doc.data)
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc'])) or 'request'}: {e['msg']}" for e in exc.errors()[:20]]
        raise FeedbackInvalid("this is not CDS Hooks feedback this service can read", problems) from None
    for item in feedback.feedback:
        CDS_FEEDBACK.labels(item.outcome).inc()
    return len(feedback.feedback)
