"""Common visas and travel authorisations, as a border check sees them.

A visa is affixed to one travel document and counts its entries and its own duration of stay:
the days of presence within its validity may not exceed ``duration_days`` (the Schengen sticker's
"duration of visit", Visa Code Art. 24). A travel authorisation, like ETIAS (Regulation (EU)
2018/1240 Art. 36), is tied to the document it was applied with and must be valid on the day of
entry; the stay it allows may run past its end.

Either may have a limited territorial validity (Visa Code Art. 25; ETIAS Art. 44): it is valid
only in the member states it names (``valid_in``; None: the whole area), and a border check at
a crossing point of another state does not count it.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from cta.domain.errors import InvalidInputError
from cta.domain.stays import StayHistory
from cta.domain.wording import Nationality

__all__ = ["MAX_PERMIT_YEARS", "Authorization", "PermitProblem", "Visa", "add_months",
           "check_permit_terms", "entries_within",
           "last_exit_for_validity", "permit_problem", "territories_from_text",
           "territories_text", "usable_visas"]


def territories_text(states: Sequence[str] | None) -> str | None:
    """The member states of a limited territorial validity as a row stores them ("ARM GEO");
    None (or no state) is the whole area."""
    return " ".join(sorted(set(states))) if states else None


def territories_from_text(text: str | None) -> tuple[str, ...] | None:
    """A row's ``territorial_validity`` back as states; None: the whole area."""
    return tuple(text.split()) if text else None


@dataclass(frozen=True, slots=True)
class PermitProblem:
    """Why a visa or an authorisation does not allow an entry: the English sentence (the
    API's), and its key with the values it was made from, for a page to word it in its own
    language (``cta.domain.checks.Reason``)."""

    message: str
    key: str
    params: tuple[tuple[str, date | int | str | tuple[Nationality, ...]], ...]


def _not_valid_here(kind: str, what: str, number: str, valid_in: tuple[str, ...] | None,
                    state: str | None) -> PermitProblem | None:  # fmt: skip
    if valid_in is None or state is None or state in valid_in:
        return None
    return PermitProblem(
        f"{what} for document {number} has a limited territorial validity: it is valid only in "
        f"{', '.join(valid_in)}, not in {state}", f"{kind}_not_valid_here",
        (("number", number), ("states", tuple(Nationality(s) for s in valid_in)),
         ("state", Nationality(state))))  # fmt: skip


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def last_exit_for_validity(expiry: date, months: int) -> date:
    """The last exit day after which a document expiring on ``expiry`` is still valid
    ``months`` months: the largest x with x + months <= expiry (Schengen Borders Code
    Art. 6(1)(a)(i); months counted as in Regulation 1182/71 Art. 3(2)(c), a missing day of
    the month ending on the month's last day: 31 March + 3 months = 30 June)."""
    day = add_months(expiry, -months)
    while add_months(day + timedelta(days=1), months) <= expiry:
        day += timedelta(days=1)
    return day


@dataclass(frozen=True, slots=True)
class Visa:
    """A short-stay visa for one travel document."""

    document_number: str
    valid_from: date
    valid_to: date
    duration_days: int
    entries: int | None = None  # None: multiple entries
    entries_used: int = 0
    valid_in: tuple[str, ...] | None = None  # limited territorial validity; None: the area

    def days_left(self, on: date, history: StayHistory) -> int:
        """Days of the duration of stay not yet used by presence before ``on``."""
        spent = history.days_in(self.valid_from, min(self.valid_to, on - timedelta(days=1)))
        return self.duration_days - spent

    def problem_on(self, on: date, history: StayHistory, state: str | None = None) -> str | None:
        """Why this visa does not allow an entry on ``on`` (at a crossing point of ``state``,
        when given), or None when it does."""
        found = self.problem(on, history, state)
        return found.message if found is not None else None

    def problem(
        self, on: date, history: StayHistory, state: str | None = None
    ) -> PermitProblem | None:
        """``problem_on`` with its key and values (``PermitProblem``)."""
        number = self.document_number
        elsewhere = _not_valid_here("visa", "the visa", number, self.valid_in, state)
        if elsewhere is not None:
            return elsewhere
        said = f"the visa for document {number}"
        if on < self.valid_from:
            return PermitProblem(f"{said} is valid only from {self.valid_from}",
                                 "visa_not_yet_valid",
                                 (("number", number), ("from", self.valid_from)))  # fmt: skip
        if on > self.valid_to:
            return PermitProblem(f"{said} expired on {self.valid_to}", "visa_expired",
                                 (("number", number), ("on", self.valid_to)))  # fmt: skip
        if self.entries is not None and self.entries_used >= self.entries:
            return PermitProblem(f"{said} allowed {self.entries} entries, all used",
                                 "visa_entries_used",
                                 (("number", number), ("entries", self.entries)))  # fmt: skip
        if self.days_left(on, history) <= 0:
            return PermitProblem(
                f"{said} allowed {self.duration_days} days of stay, all used", "visa_days_used",
                (("number", number), ("days", self.duration_days)))  # fmt: skip
        return None

    def last_day(self, on: date, history: StayHistory) -> date:
        """The last day a stay entered on ``on`` may last under this visa."""
        return min(self.valid_to, on + timedelta(days=self.days_left(on, history) - 1))


def usable_visas(
    visas: Sequence[Visa], document_number: str, on: date, history: StayHistory,
    state: str | None = None,
) -> list[Visa]:  # fmt: skip
    """The visas for this document that allow an entry on ``on`` (in ``state``, when
    given). A valid common visa admits any non-member nationality the regime admits at all:
    a nationality that needs only a travel authorisation is admitted on a visa as well
    (``cta.domain.checks``)."""
    return [v for v in visas if v.document_number == document_number
            and v.problem_on(on, history, state) is None]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Authorization:
    """A travel authorisation tied to one travel document."""

    document_number: str
    valid_from: date
    valid_to: date
    valid_in: tuple[str, ...] | None = None  # limited territorial validity; None: the area

    def valid_on(self, on: date) -> bool:
        return self.valid_from <= on <= self.valid_to

    def problem_in(self, state: str | None) -> str | None:
        """Why this authorisation is not valid in ``state`` (None: it is, or no state)."""
        found = self.problem_here(state)
        return found.message if found is not None else None

    def problem_here(self, state: str | None) -> PermitProblem | None:
        """``problem_in`` with its key and values (``PermitProblem``)."""
        return _not_valid_here("authorization", "the travel authorisation",
                               self.document_number, self.valid_in, state)  # fmt: skip


MAX_PERMIT_YEARS = 10  # the longest validity a permit may be given (multiple-entry visas: 5)


def permit_problem(
    valid_from: date, valid_to: date, *, today: date, document_expiry: date | None,
    duration_days: int | None = None, entries: int | None = None,
) -> str | None:  # fmt: skip
    """Why a visa (``duration_days`` given) or an authorisation (not) with these terms may not
    be issued today, naming the field; None when it may."""
    try:
        check_permit_terms(valid_from, valid_to, today=today, document_expiry=document_expiry,
                           duration_days=duration_days, entries=entries)  # fmt: skip
    except InvalidInputError as problem:
        return str(problem)
    return None


def check_permit_terms(
    valid_from: date, valid_to: date, *, today: date, document_expiry: date | None,
    duration_days: int | None = None, entries: int | None = None,
) -> None:  # fmt: skip
    """``permit_problem`` as an ``InvalidInputError`` with a code and the values it names, for
    a console to say it in its language."""
    if valid_to < valid_from:
        raise InvalidInputError("valid_to is before valid_from", code="permit_ends_first",
                                params={})  # fmt: skip
    if valid_to < today:
        raise InvalidInputError(f"valid_to {valid_to} has passed already",
                                code="permit_end_passed", params={"valid_to": valid_to})
    if valid_to > add_months(valid_from, 12 * MAX_PERMIT_YEARS):
        raise InvalidInputError(f"valid_to: a permit is valid {MAX_PERMIT_YEARS} years at most",
                                code="permit_too_long", params={"years": MAX_PERMIT_YEARS})
    if document_expiry is not None and document_expiry < valid_to:
        raise InvalidInputError(
            f"valid_to {valid_to} is after the document expires ({document_expiry}): a "
            "permit does not outlive its document", code="permit_outlives_document",
            params={"valid_to": valid_to, "expiry": document_expiry})
    if duration_days is None:
        if entries is not None:
            raise InvalidInputError("entries: only a visa counts entries (give duration_days)",
                                    code="permit_entries_without_days", params={})
        return
    span = (valid_to - valid_from).days + 1
    if not 1 <= duration_days <= span:
        raise InvalidInputError(f"duration_days {duration_days} must be 1 to the {span} days of "
                                "validity", code="permit_days_outside_validity",
                                params={"days": duration_days, "span": span})
    if entries is not None and entries < 1:
        raise InvalidInputError("entries must be 1 or more (or null: multiple)",
                                code="permit_no_entries", params={})


def entries_within(valid_from: date, valid_to: date, entry_days: list[date]) -> int:
    """How many of the entries (their days, wherever in the area they were recorded) fall in a
    visa's validity: the entries it has used."""
    return sum(1 for day in entry_days if valid_from <= day <= valid_to)

