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
from dataclasses import dataclass
from datetime import date

from cta.domain.stays import Stay

__all__ = ["CrossingDay", "StaysFromCrossings", "stays_from_crossings"]


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


def stays_from_crossings(crossings: Iterable[CrossingDay], on: date) -> StaysFromCrossings:
    """The stays up to ``on`` (crossings in the order they happened; later days are ignored)."""
    stays: list[Stay] = []
    anomalies: list[str] = []
    entered: date | None = None
    for crossing in crossings:
        if crossing.day > on:
            break
        if crossing.direction == "entry":
            if entered is not None:
                anomalies.append(
                    f"entry on {crossing.day} while inside since {entered}: no exit recorded"
                )
                continue
            entered = crossing.day
        elif entered is None:
            anomalies.append(f"exit on {crossing.day} with no entry recorded before it")
        else:
            stays.append(Stay(entered, crossing.day))
            entered = None
    if entered is not None:
        stays.append(Stay(entered, on))
    return StaysFromCrossings(tuple(stays), entered, tuple(anomalies))
