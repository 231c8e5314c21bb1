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

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from cta.domain.errors import InvalidInputError
from cta.domain.typed_text import RECORD_TEXT_BYTES, check_typed, text_bytes, with_escapes

__all__ = [
    "ANSWER_WITHIN",
    "GROUNDS_MOST",
    "GROUND_CODE_MOST",
    "ConsultationState",
    "Opinion",
    "answer_due",
    "check_answer",
    "check_grounds",
    "check_request",
    "sent_grounds",
    "state_of",
]

# how long the consulted member has to answer, by kind of application (see the module's text)
ANSWER_WITHIN = {"authorization": timedelta(hours=60), "visa": timedelta(days=7)}
MAX_TEXT = 2000
GROUND_CODE_MOST = 60
# grounds of one consultation: the API takes 20, the automatic processing more (``sent_grounds``)
GROUNDS_MOST = 50
_MORE_BYTES = 200  # the last ground, when it says how many more there are


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


def check_grounds(grounds: Sequence[Mapping[str, str]]) -> None:
    """An officer's grounds for a consultation, typed: each code a line, each message words,
    as the consulted member's node reads them (``cta.domain.peer_filings``)."""
    for n, ground in enumerate(grounds):
        check_typed(ground["code"], f"grounds[{n}].code", lines=False)
        check_typed(ground["message"], f"grounds[{n}].message")


def sent_grounds(
    grounds: Sequence[Mapping[str, str]], room: int = RECORD_TEXT_BYTES
) -> list[dict[str, str]]:
    """The grounds a consultation files and sends, within what the consulted member's node
    takes: at most ``GROUNDS_MOST``, together at most ``room`` bytes of the record (the last
    then says how many more there are), a code of at most 60 characters, a message of at most
    ``MAX_TEXT``, cut with "…".

    The automatic processing's grounds quote the member's data: a past decision's reasons
    joined (each up to 2,000 characters, up to 20 of them), every refusal of entry. Sent
    whole, a message of 2,050 characters made the consulted member refuse the record, so it
    never heard of the consultation, which then lapsed as "no objection" (the sweep of session
    16); 50 grounds of 2,000 characters made a record of 100 KB, over the 64 KiB a record
    holds, and the node's sealer stopped at it for good (session 17). Control characters are
    written as escapes: what the processing quotes from its data is not refused either."""
    shown = [{"code": _cut(with_escapes(str(g["code"])), GROUND_CODE_MOST),
              "message": _cut(with_escapes(str(g["message"]), lines=True), MAX_TEXT)}
             for g in grounds]  # fmt: skip
    most = GROUNDS_MOST - 1 if len(shown) > GROUNDS_MOST else GROUNDS_MOST
    kept: list[dict[str, str]] = []
    spent = _MORE_BYTES
    for ground in shown:
        spent += text_bytes(ground.values())
        if len(kept) == most or spent > room:
            break
        kept.append(ground)
    if len(kept) < len(shown):
        kept.append({"code": "more", "message": f"{len(shown) - len(kept)} more grounds of this "
                     "member's data: the asking member's file of the application lists them "
                     "all"})  # fmt: skip
    return kept


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


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
    check_typed(text, field)  # as the consulted member's node reads it (``peer_filings``)
