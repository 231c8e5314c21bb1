"""A traveller's stays, read from the crossings recorded at the area's external border.

Crossings are taken in the order they happened. An entry opens a stay and the next exit closes
it; a stay still open on the day asked about runs to that day. Two things can be missing from
the record, and both are reported as anomalies rather than guessed away: an exit with no entry
before it (the entry was never recorded), and an entry while a stay is open (the exit was never
recorded) -- the stay is then taken to go on, as the Entry/Exit System does when no exit is
recorded (Regulation (EU) 2017/2226 Art. 22), so that a missing exit never shortens a count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from cta.domain.stays import Stay

__all__ = ["CandidateKey", "CrossingAnomaly", "CrossingDay", "Identity", "Named", "RenamedKey",
           "StaysFromCrossings", "anomaly_of_crossing", "candidate_key", "crossed_together",
           "earlier_document_problem", "join_problem", "open_stay_at_entry", "renamed_key",
           "stays_from_crossings"]

CandidateKey = tuple[str, str, str]  # nationality, birth date as printed, surname
RenamedKey = tuple[str, str, str]  # nationality, birth date as printed, given names


class Identity(Protocol):
    """What a document or a person on file says of who its holder is."""

    @property
    def nationality(self) -> str: ...

    @property
    def birth_date_raw(self) -> str: ...

    @property
    def surname(self) -> str: ...


def candidate_key(holder: Identity) -> CandidateKey:
    """What makes two persons (or a document and a person) **candidates** for each other, one
    traveller who may hold both documents: the same nationality, birth date as printed in the
    MRZ and surname. A check lists a new document's candidates, an officer's link of two
    documents and a member's link alike need them (``DocumentFiling``, ``federation_apply``),
    and an application's past is read from them."""
    return (holder.nationality, holder.birth_date_raw, holder.surname)


class Named(Identity, Protocol):
    """An identity with its given names (a person on file, a document)."""

    @property
    def given_names(self) -> str: ...


def renamed_key(holder: Named) -> RenamedKey:
    """What a change of name keeps of a traveller: nationality, birth date as printed and
    given names. Two persons on file become one only when these agree (twins share all but
    the given names); their surnames may differ only when an officer saw the earlier document
    (``earlier_document_problem``), here or, by the link's record marked ``name_change``, on a
    member."""
    return (holder.nationality, holder.birth_date_raw, holder.given_names)


def join_problem(first: Named, second: Named, *, renamed: bool = False) -> str | None:
    """Why two persons on file cannot be made one traveller, or None (that they never crossed
    together is asked apart: ``crossed_together``). ``not_candidates``: nationality, birth date
    or surname differ, and no change of name was seen (``renamed``: an officer saw the
    traveller's earlier document); ``not_the_same_traveller``: nationality, birth date or given
    names differ, which a change of name keeps (``renamed_key``; twins are candidates). The
    one rule of an officer's link here (``DocumentFiling``) and a member's link
    (``federation_apply``)."""
    if not renamed and candidate_key(first) != candidate_key(second):
        return "not_candidates"
    if renamed_key(first) != renamed_key(second):
        return "not_the_same_traveller"
    return None


def crossed_together(
    first: Iterable[tuple[str, date]], second: Iterable[tuple[str, date]]
) -> date | None:
    """The first day on which two persons on file both crossed the same way, or None: two
    travellers who crossed together (twins, say) are never one person,
    whatever their documents say. Each is (direction, day) as a check's history gives it."""
    seen = set(first)
    together = sorted(day for direction, day in set(second) if (direction, day) in seen)
    return together[0] if together else None


def earlier_document_problem(
    in_hand_birth_date_raw: str | None, earlier_code: str, earlier_birth_date_raw: str,
    *, known: bool,
) -> str | None:
    """Why an earlier document the traveller shows cannot say whose the document in hand is
    (an officer's link of a passport after a change of name), or None: ``visa`` (a visa is
    no travel document of theirs), ``unknown`` (not ``known`` here: no holder to link to),
    ``born_apart`` (a change of name keeps the birth date as printed: a relative's or a
    companion's passport scanned by mistake must not put this traveller's crossings in their
    file)."""
    if earlier_code.startswith("V"):
        return "visa"
    if not known:
        return "unknown"
    if in_hand_birth_date_raw != earlier_birth_date_raw:
        return "born_apart"
    return None


@dataclass(frozen=True, slots=True)
class CrossingDay:
    """One recorded crossing: its direction and the calendar day at the crossing point."""

    direction: str  # "entry" | "exit"
    day: date


@dataclass(frozen=True, slots=True)
class StaysFromCrossings:
    stays: tuple[Stay, ...]
    open_since: date | None  # the entry of a stay with no exit yet
    anomalies: tuple[str, ...]
    # the same anomalies with their codes and days, for a page to word them in its language
    coded_anomalies: tuple[CrossingAnomaly, ...] = field(default=(), compare=False)


def stays_from_crossings(crossings: Iterable[CrossingDay], on: date) -> StaysFromCrossings:
    """The stays up to ``on`` (crossings in the order they happened; later days are ignored)."""
    stays: list[Stay] = []
    anomalies: list[str] = []
    coded: list[CrossingAnomaly] = []
    entered: date | None = None
    for crossing in crossings:
        if crossing.day > on:
            break
        if crossing.direction == "entry":
            if entered is not None:
                anomalies.append(_entry_without_exit(crossing.day, entered))
                coded.append(_entry_anomaly(crossing.day, entered))
                continue
            entered = crossing.day
        elif entered is None:
            anomalies.append(_exit_without_entry(crossing.day))
            coded.append(_exit_anomaly(crossing.day))
        else:
            stays.append(Stay(entered, crossing.day))
            entered = None
    if entered is not None:
        stays.append(Stay(entered, on))
    return StaysFromCrossings(tuple(stays), entered, tuple(anomalies), tuple(coded))


@dataclass(frozen=True, slots=True)
class CrossingAnomaly:
    """What is missing from the record before a new crossing, named by a code
    (``exit_without_entry``, ``entry_without_exit``) and in words."""

    code: str
    message: str
    # the days ``message`` names (``day``, and ``since`` for an entry while inside), by name
    params: tuple[tuple[str, date], ...] = field(default=(), compare=False)


def anomaly_of_crossing(
    direction: str, open_since: date | None, day: date
) -> CrossingAnomaly | None:
    """The anomaly a crossing on ``day`` makes, given the stay open before it (``open_since``,
    ``StaysFromCrossings.open_since``): an exit while no stay is open, or an entry while one
    is; None when the crossing follows the record."""
    if direction == "exit" and open_since is None:
        return _exit_anomaly(day)
    if direction == "entry" and open_since is not None:
        return _entry_anomaly(day, open_since)
    return None


def open_stay_at_entry(since: date) -> CrossingAnomaly:
    """What a check at entry says of a stay still open since ``since``: it goes on to today,
    since a missing exit never shortens a count."""
    return CrossingAnomaly("open_stay_at_entry", f"entry while a stay since {since} has no exit",
                           (("since", since),))


def _exit_anomaly(day: date) -> CrossingAnomaly:
    return CrossingAnomaly("exit_without_entry", _exit_without_entry(day), (("day", day),))


def _entry_anomaly(day: date, entered: date) -> CrossingAnomaly:
    return CrossingAnomaly("entry_without_exit", _entry_without_exit(day, entered),
                           (("day", day), ("since", entered)))


def _entry_without_exit(day: date, entered: date) -> str:
    return f"entry on {day} while inside since {entered}: no exit recorded"


def _exit_without_entry(day: date) -> str:
    return f"exit on {day} with no entry recorded before it"
