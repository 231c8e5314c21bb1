"""Consultation between the member states on an application: who asks, by when, what counts.

When a hit or a past record that weighs on an application comes from another member's data,
the deciding state (the applicant's first intended state) consults that member; its consular
officers give a reasoned positive or negative opinion; the deciding state decides. Modelled on
the EU's two procedures:

* travel authorisations: ETIAS Regulation (EU) 2018/1240 Art. 28 — the consulted member gives
  a reasoned positive or negative opinion, recorded in the application file, within 60 hours
  of being notified; no reply in time counts as a positive opinion;
* visas: Visa Code Regulation (EC) No 810/2009 Art. 22(2) — the consulted central authorities
  reply within seven calendar days; no reply in time means they have no grounds to object.

Whatever the opinion, the deciding state decides (Art. 28(3) ETIAS: the opinions are for its
manual processing); a negative opinion is shown beside the application, never applied by
itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from cta.domain.errors import InvalidInputError

__all__ = [
    "ANSWER_WITHIN",
    "ConsultationState",
    "Opinion",
    "answer_due",
    "check_answer",
    "check_request",
    "state_of",
]

# how long the consulted member has to answer, by kind of application (see the module's text)
ANSWER_WITHIN = {"authorization": timedelta(hours=60), "visa": timedelta(days=7)}
MAX_TEXT = 2000


class Opinion(StrEnum):
    POSITIVE = "positive"  # no objection to granting
    NEGATIVE = "negative"  # objects, with reasons


class ConsultationState(StrEnum):
    OPEN = "open"  # asked, not answered, still in time
    ANSWERED = "answered"
    LAPSED = "lapsed"  # not answered in time: counts as no objection


def answer_due(kind: str, asked_at: datetime) -> datetime:
    """When the consulted member's answer is due."""
    try:
        return asked_at + ANSWER_WITHIN[kind]
    except KeyError:
        raise InvalidInputError(
            f"kind: {kind!r} is not an application kind (authorization or visa)") from None


def state_of(answered: bool, due: datetime, now: datetime) -> ConsultationState:
    """Where a consultation stands at ``now``."""
    if answered:
        return ConsultationState.ANSWERED
    return ConsultationState.OPEN if now <= due else ConsultationState.LAPSED


def check_request(asking: str, consulted: str, members: frozenset[str], question: str) -> None:
    """A consultation goes from one member to another, with a question in words."""
    if consulted not in members:
        raise InvalidInputError(
            f"state: {consulted!r} is not a member state ({', '.join(sorted(members))})")
    if consulted == asking:
        raise InvalidInputError(f"state: {asking} cannot consult itself")
    _text("question", question)


def check_answer(opinion: str, reasons: list[str]) -> Opinion:
    """A reasoned opinion: positive or negative, and a negative one says why."""
    try:
        chosen = Opinion(opinion)
    except ValueError:
        raise InvalidInputError(
            f"opinion: {opinion!r} is not positive or negative") from None
    if chosen is Opinion.NEGATIVE and not any(r.strip() for r in reasons):
        raise InvalidInputError("reasons: a negative opinion gives its reasons")
    for n, reason in enumerate(reasons):
        _text(f"reasons[{n}]", reason)
    return chosen


def _text(field: str, text: str) -> None:
    if not text.strip():
        raise InvalidInputError(f"{field}: say it in words")
    if len(text) > MAX_TEXT:
        raise InvalidInputError(f"{field}: at most {MAX_TEXT} characters, not {len(text)}")
