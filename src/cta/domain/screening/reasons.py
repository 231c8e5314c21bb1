"""A hit's reasons: each an English sentence that knows the key and values it was made from.

The screening says why an alert looks like the traveller in English (the API's ``reasons``,
``cta screen``'s, an application's review; byte for byte as they have always been). Each
sentence is a ``HitReason``: a ``str``, so everything that joins, stores or sends the reasons
is unchanged, that also carries a stable ``key`` and its ``values``, for a page to say it in
its own language (``cta.entrypoints.web.reason_text``). The sentence is always made from the
key and values (``hit_reason``), so the two cannot disagree.

Over the screening process's socket (``cta.adapters.screening``) a reason travels as its short
``code`` and values (``to_wire`` / ``from_wire``), and the worker makes the same sentence again.
Where only the sentence survived (a reason joined into a check's or a review's message),
``read_reason`` reads the key and values back; it answers only when the values make exactly
that sentence again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "KEYS",
    "SEPARATOR",
    "VARIANT",
    "HitReason",
    "Value",
    "from_wire",
    "hit_reason",
    "pair_kind",
    "pairs_of",
    "read_reason",
    "read_reasons",
    "to_wire",
]

Value = str | int | float
VARIANT = 0.93  # ``score.VARIANT``: the same skeleton (a transliteration variant)
SEPARATOR = "; "  # how a check and a review join a hit's reasons


class HitReason(str):
    """One reason of a hit, in English, with the ``key`` and ``values`` it was made from."""

    key: str
    values: tuple[Value, ...]

    def __reduce__(self) -> tuple[Callable[..., HitReason], tuple[Value, ...]]:
        return hit_reason, (self.key, *self.values)  # pickled and copied as made


def hit_reason(key: str, *values: Value) -> HitReason:
    """The reason ``key`` with its ``values``, its sentence made by ``KEYS[key]``."""
    made = HitReason(_ENGLISH[key](*values))
    made.key = key
    made.values = values
    return made


def pair_kind(similarity: float) -> str:
    """How a matched pair of name parts is said: ``same``, ``variant`` or ``similar``."""
    if similarity >= 1.0:
        return "same"
    return "variant" if similarity == VARIANT else "similar"


def pairs_of(values: Sequence[Value]) -> list[tuple[str, str, float]]:
    """``names_match``'s pairs (the values after the score): ours, the alert's, similarity."""
    return [(str(values[i]), str(values[i + 1]), float(values[i + 2]))
            for i in range(0, len(values) - 2, 3)]  # fmt: skip


def _names_match(score: Value, *pairs: Value) -> str:
    parts = []
    for i in range(0, len(pairs), 3):  # ``pair_kind``'s three forms (inline: a hit's hot path)
        ours, theirs, similarity = pairs[i : i + 3]
        if similarity >= 1.0:  # type: ignore[operator]
            parts.append(f"{ours} = {theirs}")
        elif similarity == VARIANT:
            parts.append(f"{ours} ≈ {theirs} (spelling variant)")
        else:
            parts.append(f"{ours} ~ {theirs} (similar, {similarity:.2f})")
    return f"names match ({score:.2f}): " + ", ".join(parts)


@dataclass(frozen=True, slots=True)
class _Spec:
    code: str  # on the screening process's socket
    english: Callable[..., str]
    pattern: str  # ``read_reason``: the sentence, its values in groups (see ``_values``)
    reader: str  # each group's type: s text, i whole number, f number; * the rest, repeated


_D2 = r"(\d{2})"
_SPECS: Mapping[str, _Spec] = {
    # the document number (``index._document_hits``)
    "document_on_alert": _Spec(
        "d", lambda number: f"document number {number} is on the alert",
        r"document number (\S+) is on the alert", "s"),
    "document_near_miss": _Spec(
        "dn", lambda number, theirs: (
            f"document number {number} differs from the alert's {theirs} only in characters "
            "OCR confuses (0/O/D, 1/I/L, 8/B, 5/S, 2/Z, 6/G): a near miss"),
        r"document number (\S+) differs from the alert's (\S+) only in characters OCR "
        r"confuses \(0/O/D, 1/I/L, 8/B, 5/S, 2/Z, 6/G\): a near miss", "ss"),
    # the names (``index._name_reasons``)
    "no_name_match": _Spec("n0", lambda: "no name part matches", "no name part matches", ""),
    "names_written_together": _Spec(
        "nj", lambda score, ours, theirs: (
            f"names match ({score:.2f}): {ours} written together is {theirs} written together "
            "(typed as one word or the space misplaced)"),
        r"names match \((\d\.\d\d)\): (.+) written together is (.+) written together \(typed as "
        r"one word or the space misplaced\)", "fss"),
    "names_match": _Spec("nm", _names_match, r"names match \((\d\.\d\d)\): (.+)", "f*"),
    "only_slips_count": _Spec(
        "ns", lambda: ("no birth date to compare: only the same name up to slips of typing "
                       "and transliteration counts"),
        r"no birth date to compare: only the same name up to slips of typing and "
        r"transliteration counts", ""),
    "first_given_names_differ": _Spec(
        "nf", lambda: ("no birth date to compare: a second given name alone is no match (the "
                       "first given names must agree)"),
        r"no birth date to compare: a second given name alone is no match \(the first given "
        r"names must agree\)", ""),
    "alert_names_not_on_document": _Spec(
        "na", lambda *names: "the alert's " + " ".join(map(str, names)) + " not on the document",
        r"the alert's (.+) not on the document", "*"),
    "document_names_not_in_alert": _Spec(
        "nd", lambda *names: "the document's " + " ".join(map(str, names)) + " not in the alert",
        r"the document's (.+) not in the alert", "*"),
    # the birth dates (``score.birth_adjustment``)
    "alert_gives_no_birth_date": _Spec(
        "b0", lambda: "the alert gives no birth date", "the alert gives no birth date", ""),
    "traveller_birth_date_unknown": _Spec(
        "bu", lambda: "the traveller's birth date is unknown",
        "the traveller's birth date is unknown", ""),
    "birth_year_one_digit_apart": _Spec(
        "by1", lambda year, theirs: (f"born {year}, the alert says {theirs}: one digit apart, "
                                     "day and month agree"),
        r"born (\d+), the alert says (\d+): one digit apart, day and month agree", "ii"),
    "birth_year_differs": _Spec(
        "by", lambda year, theirs: f"born {year}, the alert says {theirs}",
        r"born (\d+), the alert says (\d+)", "ii"),
    "birth_day_month_swapped": _Spec(
        "bs", lambda: "birth day and month swapped", "birth day and month swapped", ""),
    "birth_month_one_digit_apart": _Spec(
        "bm1", lambda month, theirs: (f"birth month {month:02d}, the alert says {theirs:02d} "
                                      "(one digit apart)"),
        rf"birth month {_D2}, the alert says {_D2} \(one digit apart\)", "ii"),
    "birth_month_differs": _Spec(
        "bm", lambda month, theirs: f"birth month {month:02d}, the alert says {theirs:02d}",
        rf"birth month {_D2}, the alert says {_D2}", "ii"),
    "birth_dates_agree": _Spec(
        "b=", lambda year, month, day: f"birth dates agree ({year}-{month:02d}-{day:02d})",
        rf"birth dates agree \((\d+)-{_D2}-{_D2}\)", "iii"),
    "birth_day_one_digit_apart": _Spec(
        "bd1", lambda day, theirs: (f"birth day {day:02d}, the alert says {theirs:02d} (one "
                                    "digit apart)"),
        rf"birth day {_D2}, the alert says {_D2} \(one digit apart\)", "ii"),
    "birth_day_differs": _Spec(
        "bd", lambda day, theirs: f"birth day {day:02d}, the alert says {theirs:02d}",
        rf"birth day {_D2}, the alert says {_D2}", "ii"),
    "birth_years_agree": _Spec(
        "by=", lambda year: f"birth years agree ({year})", r"birth years agree \((\d+)\)", "i"),
    # nationality and sex (``score.profile_adjustments``)
    "nationality_agrees": _Spec(
        "c=", lambda code: f"nationality {code} agrees", r"nationality (\S+) agrees", "s"),
    "nationality_differs": _Spec(
        "c", lambda code, *theirs: (f"nationality {code}, the alert says "
                                    + ", ".join(map(str, theirs))),
        r"nationality (\S+), the alert says (.+)", "s*"),
    "sex_differs": _Spec(
        "s", lambda sex, theirs: f"sex {sex}, the alert says {theirs}",
        r"sex (\S+), the alert says (\S+)", "ss"),
}
KEYS: tuple[str, ...] = tuple(_SPECS)
_ENGLISH = {key: spec.english for key, spec in _SPECS.items()}
_BY_CODE = {spec.code: key for key, spec in _SPECS.items()}
_PATTERNS = [(key, re.compile(spec.pattern, re.S)) for key, spec in _SPECS.items()]
_NAME = r"([^\s,]+)"  # a name part (MRZ letters): never a space or a comma
_PAIR = re.compile(rf"{_NAME} (?:(=) {_NAME}|(≈) {_NAME} \(spelling variant\)|~ {_NAME} "
                   r"\(similar, (\d\.\d\d)\))")  # fmt: skip


def to_wire(reason: str) -> list[Value] | str:
    """A reason as the screening process sends it: its code and values (a sentence with no
    key, as it is)."""
    if not isinstance(reason, HitReason):
        return str(reason)
    return [_SPECS[reason.key].code, *reason.values]


def from_wire(sent: str | list[Value]) -> str:
    """A reason as ``to_wire`` sent it: the same ``HitReason`` (a sentence, as it came)."""
    if isinstance(sent, str):
        return sent
    try:  # a worker's hot path: a check with hits decodes each reason
        code, *values = sent
        key = _BY_CODE[code]  # type: ignore[index]  # not a code: KeyError
        made = HitReason(_ENGLISH[key](*values))
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"a hit's reason is a code and its values, not {sent!r}") from None
    made.key = key
    made.values = tuple(values)
    return made


def read_reason(text: str) -> HitReason | None:
    """The reason whose sentence ``text`` is, read back from it (None: no reason makes it)."""
    if isinstance(text, HitReason):
        return text
    for key, pattern in _PATTERNS:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        values = _values(key, found.groups())
        if values is None:
            continue
        try:
            made = hit_reason(key, *values)
        except (TypeError, ValueError):
            continue
        if made == text:
            return made
    return None


def read_reasons(text: str) -> list[str]:
    """The reasons a check or a review joined (``SEPARATOR``), each read back when it can be."""
    return [read_reason(part) or part for part in text.split(SEPARATOR)] if text else []


def _values(key: str, groups: Sequence[str]) -> tuple[Value, ...] | None:
    reader = _SPECS[key].reader
    values: list[Value] = []
    for kind, group in zip(reader, groups, strict=False):
        if kind == "s":
            values.append(group)
        elif kind == "i":
            values.append(int(group))
        elif kind == "f":
            values.append(float(group))
        elif key == "names_match":
            pairs = _pairs(group)
            if pairs is None:
                return None
            values.extend(pairs)
        elif key == "nationality_differs":
            values.extend(group.split(", "))
        else:
            values.extend(group.split(" "))
    return tuple(values)


def _pairs(text: str) -> list[Value] | None:
    """``names match``'s pairs read back (``_describe``'s three forms, joined by ", ")."""
    values: list[Value] = []
    at = 0
    while True:
        found = _PAIR.match(text, at)
        if found is None:
            return None
        ours, same, a, variant, b, c, shown = found.groups()
        if same:
            values += [ours, a, 1.0]
        elif variant:
            values += [ours, b, VARIANT]
        else:
            near = float(shown)
            if pair_kind(near) != "similar":  # 1.00 or 0.93 said as "similar": just under
                near = math.nextafter(near, 0.0)
            values += [ours, c, near]
        at = found.end()
        if at == len(text):
            return values
        if not text.startswith(", ", at):
            return None
        at += 2
