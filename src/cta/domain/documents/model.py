"""What a read MRZ is: its type, its fields, and the issues found in it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cta.domain.wording import InEnglish

__all__ = ["DocumentFields", "DocumentType", "IssueParam", "IssuesInEnglish", "MRZIssue",
           "TravelDocument", "issues_in_english", "new_issue"]

# a value an issue's message was made from: a character or code, a count, a date's part, a
# place (line, first position, last position), or a tuple of such (the OCR look-alikes)
IssueParam = str | int | tuple[object, ...]


class DocumentType(StrEnum):
    """The five MRZ formats of Doc 9303 (Parts 4 to 7)."""

    TD1 = "TD1"  # ID card, 3 lines of 30 (Part 5)
    TD2 = "TD2"  # official travel document, 2 lines of 36 (Part 6)
    TD3 = "TD3"  # passport, 2 lines of 44 (Part 4)
    MRVA = "MRVA"  # visa, 2 lines of 44 (Part 7 §4)
    MRVB = "MRVB"  # visa, 2 lines of 36 (Part 7 §7)


@dataclass(frozen=True, slots=True)
class MRZIssue:
    """One thing wrong with an MRZ, said so that an officer can find it on the document.

    ``message`` is the English sentence (the API's and the CLI's); ``key`` names its wording,
    for a page to say it in its language with ``params``, the values the sentence was made
    from (its place is ``line`` and ``positions``). Neither weighs in equality."""

    field: str
    message: str
    line: int | None
    positions: tuple[int, int] | None
    found: str
    expected: str
    key: str = dataclasses.field(default="", compare=False, repr=False)
    params: tuple[tuple[str, IssueParam], ...] = dataclasses.field(
        default=(), compare=False, repr=False)

    def to_json(self) -> dict[str, object]:
        """The issue as the API shows it."""
        return {"field": self.field, "message": self.message}


class _IssueDraft:
    """An ``MRZIssue`` built with plain assignments, then made one by ``__class__`` assignment
    (the same slots): the frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``, three times slower, and a corrupted document has an issue or two
    (``python -m bench mrz``). The result is an ordinary, frozen, equal and hashable MRZIssue.
    """

    __slots__ = MRZIssue.__slots__
    # the slots' types, for the type checker (annotations alone add no class attribute)
    field: str
    message: str
    line: int | None
    positions: tuple[int, int] | None
    found: str
    expected: str
    key: str
    params: tuple[tuple[str, IssueParam], ...]


_new = object.__new__


def new_issue(
    field: str,
    message: str,
    line: int | None,
    positions: tuple[int, int] | None,
    found: str,
    expected: str,
    key: str = "",
    params: tuple[tuple[str, IssueParam], ...] = (),
) -> MRZIssue:
    """``MRZIssue(...)`` with the same arguments, made faster (``_IssueDraft``): a function, as
    calling a class goes through ``type.__call__`` and a nested interpreter call for
    ``__init__``."""
    issue = _new(_IssueDraft)
    issue.field = field
    issue.message = message
    issue.line = line
    issue.positions = positions
    issue.found = found
    issue.expected = expected
    issue.key = key
    issue.params = params
    issue.__class__ = MRZIssue  # type: ignore[assignment]
    return issue  # type: ignore[return-value]  # it is one, since its __class__ assignment


class IssuesInEnglish(InEnglish):
    """A document's issues joined in English ("; "), as a check's reason quotes them, that
    still holds each ``MRZIssue`` (``issues``), for a page to word each by its key."""

    issues: tuple[MRZIssue, ...]

    def __reduce__(self) -> tuple[Callable[..., IssuesInEnglish], tuple[object, ...]]:
        return issues_in_english, (self.issues,)  # pickled and copied as made


def issues_in_english(issues: tuple[MRZIssue, ...]) -> IssuesInEnglish:
    """The issues' messages joined by "; ", knowing the issues."""
    joined = IssuesInEnglish("; ".join(issue.message for issue in issues))
    joined.issues = issues
    return joined


@dataclass(frozen=True, slots=True)
class TravelDocument:
    """A parsed MRZ: the fields as printed (fillers stripped) and every issue found."""

    type: DocumentType
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: date | None
    expiry_date: date | None
    birth_date_raw: str
    expiry_date_raw: str
    sex: str | None
    optional_data: str
    optional_data_2: str
    lines: tuple[str, ...]
    errors: tuple[MRZIssue, ...]
    names_truncated: bool
    birth_year: int | None = None  # known even when day or month are '<' (Part 3 §4.8)
    # what does not follow Doc 9303 but is read all the same (a single name after '<<')
    warnings: tuple[MRZIssue, ...] = ()

    @property
    def valid(self) -> bool:
        """True when no issue was found."""
        return not self.errors

    @property
    def birth_year_known(self) -> bool:
        """True when the year of birth is printed (it may stand alone, Part 3 §4.8)."""
        return self.birth_year is not None

    def to_json(self) -> dict[str, object]:
        """The document as the API and the CLI show it."""
        return {
            "type": self.type.value,
            "valid": self.valid,
            "document_code": self.document_code,
            "issuing_state": self.issuing_state,
            "surname": self.surname,
            "given_names": self.given_names,
            "document_number": self.document_number,
            "nationality": self.nationality,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "expiry_date": self.expiry_date.isoformat() if self.expiry_date else None,
            "birth_date_raw": self.birth_date_raw,
            "expiry_date_raw": self.expiry_date_raw,
            "sex": self.sex,
            "optional_data": self.optional_data,
            "optional_data_2": self.optional_data_2,
            "errors": [issue.to_json() for issue in self.errors],
            "warnings": [issue.to_json() for issue in self.warnings],
        }


@dataclass(frozen=True)
class DocumentFields:
    """The data to print in an MRZ, as ``generate_mrz`` takes it.

    Dates are ``date`` objects or six raw characters (``'<'`` for an unknown part of a birth
    date, Part 3 §4.8). Sex is ``"M"``, ``"F"``, or ``"<"``/``"X"``/``None`` for unspecified.
    """

    type: DocumentType
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: date | str
    sex: str | None
    expiry_date: date | str
    optional_data: str = ""
    optional_data_2: str = ""
