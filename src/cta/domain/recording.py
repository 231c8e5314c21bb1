"""Where and when a border check or a crossing may be recorded, and when the officer must say
why they record it against the check's decision.

- A node checks and records at its own state's external crossing points only: internal
  borders are not checked (DESIGN.md, data flow 2), and another state's points are that
  state's node's.
- A crossing's time may run ahead of the node's clock by ``CLOCK_TOLERANCE`` (clocks differ
  a little), never more: a crossing in the future is a mistake.
- A refusal is of an entry only (exits are never refused), and on a ground: the letters the
  officer ticked, or else the check's reasons (a refusal of a traveller the check admits, with
  no letter given, is not recorded). An entry the check refused, or a
  crossing with a document that does not read as valid, is recorded only with the officer's
  override reason: the officer decides, and the reason is kept with the record.
- A refusal carries the letters of the standard refusal form (Schengen Borders Code, Annex V
  Part B) that the officer ticked, when they ticked some: the officer, not the check, signs
  the form, and may add a ground the check could not see (G, no means) or leave out one it
  only suspected. At least one letter, each one of A to I. A refusal's letters corrected
  later keep the words recorded for a letter kept, and say a new one was ticked.
- A document is filed (its holder becomes a person of the area's record) only from an MRZ
  made of MRZ characters (A-Z, 0-9, ``<``), whatever else is wrong with it (a check digit, a
  date: a forgery is recorded as printed). An MRZ typed in lower case or with other
  characters is the scanner's or the typist's error, and would file a person of no document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from cta.domain.checks import Decision, Direction, Outcome, Reason
from cta.domain.crossing_points import CrossingPoint
from cta.domain.errors import InvalidInputError

__all__ = [
    "CLOCK_TOLERANCE",
    "REFUSAL_LETTERS",
    "corrected_refusal_reasons",
    "crossing_point_problem",
    "filing_problem",
    "override_problem",
    "refusal_reasons",
    "time_problem",
]

CLOCK_TOLERANCE = timedelta(minutes=5)
# the grounds of the standard refusal form, Annex V Part B (domain/checks.py says them)
REFUSAL_LETTERS = ("A", "B", "C", "D", "E", "F", "G", "H", "I")


def filing_problem(lines: Sequence[str]) -> str | None:
    """Why a document of these MRZ lines may not be filed, or None (the module's rule)."""
    for number, line in enumerate(lines, start=1):
        for position, char in enumerate(line, start=1):
            if char not in _MRZ_CHARACTERS:
                return (f"mrz: line {number} has {char!r} at position {position}, not an MRZ "
                        "character (A-Z, 0-9 and '<'): a document is recorded as printed, "
                        "so type or scan it again")  # fmt: skip
    return None


_MRZ_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")


def crossing_point_problem(code: str, point: CrossingPoint | None, state: str) -> str | None:
    """Why ``state``'s node may not check or record at the point ``code`` (None: it may)."""
    if point is None:
        return f"crossing_point {code!r} is not a known crossing point"
    if point.state != state:
        return f"crossing_point {code} is run by {point.state}: this node records {state}'s"
    if not point.is_external:
        return (f"crossing_point {code} is on an internal border of the area: no check and no "
                "record there")
    return None


def time_problem(at: datetime, now: datetime) -> str | None:
    """Why a crossing may not be recorded as having happened at ``at`` (None: it may)."""
    if at > now + CLOCK_TOLERANCE:
        return f"occurred_at {at.isoformat()} is in the future"
    return None


def override_problem(
    decision: Decision, direction: Direction, *, document_valid: bool, refused: bool,
    override_reason: str | None, letters: Sequence[str] | None = None,
) -> str | None:  # fmt: skip
    """Why this crossing (or refusal, ``refused``, on the form's ``letters`` if the officer
    gave them) may not be recorded after a check that decided ``decision`` (None: it may)."""
    if refused:
        if direction is Direction.EXIT:
            return "exits are never refused"
        if letters is None and not decision.reasons:  # a refusal stands on a ground
            return (f"the check found no ground to refuse entry (it decided "
                    f"{decision.outcome.value}): give the refusal form's letters that apply")
        return None
    needs = not document_valid or (
        direction is Direction.ENTRY and decision.outcome is Outcome.REFUSE
    )
    if needs and not (override_reason or "").strip():
        codes = ", ".join(r.code for r in decision.reasons) or "B"
        return (f"the check decided {decision.outcome.value} ({codes}): recording this entry "
                "needs override_reason")
    return None


def refusal_reasons(decision: Decision, letters: Iterable[str]) -> tuple[Reason, ...]:
    """The reasons a refusal carries: exactly the letters the officer ticked, in the form's
    order, each with the check's words for it when the check found it too.

    Raises ``InvalidInputError`` when no letter is ticked or one is not on the form.
    """
    said: dict[str, list[str]] = {}
    for reason in decision.reasons:
        said.setdefault(reason.code, []).append(reason.message)
    return _ticked(letters, {code: "; ".join(words) for code, words in said.items()})


def corrected_refusal_reasons(
    recorded: Sequence[Mapping[str, str]], letters: Iterable[str]
) -> tuple[Reason, ...]:
    """A recorded refusal's letters corrected: each letter kept with the words recorded for
    it, a new one as ticked by the officer (``refusal_reasons``'s rules for the letters)."""
    return _ticked(letters, {r["code"]: r["message"] for r in recorded})


def _ticked(letters: Iterable[str], words: Mapping[str, str]) -> tuple[Reason, ...]:
    ticked = set(letters)
    unknown = sorted(ticked - set(REFUSAL_LETTERS))
    if unknown:
        raise InvalidInputError(
            f"reasons: {', '.join(repr(x) for x in unknown)} is not a letter of the refusal "
            f"form (one of {', '.join(REFUSAL_LETTERS)})")
    if not ticked:
        raise InvalidInputError("reasons: tick at least one letter of the refusal form")
    return tuple(Reason(code, words.get(code, "ticked by the officer"))
                 for code in REFUSAL_LETTERS if code in ticked)  # fmt: skip
