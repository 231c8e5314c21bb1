"""ICAO Doc 9303 machine readable zones: parse, validate and generate TD1, TD2, TD3 and MRV MRZs.

Pure domain code: no I/O, the date of the check (``today``) is passed in.

Century rule for the two-digit years of the MRZ (Part 3 §4.8 prints YYMMDD):

* birth date: 20YY when that date is not after ``today`` nor after the expiry date, else 19YY
  (a holder is born before the check and before the document expires; in general, the latest
  such year);
* expiry date: the year with those two digits in ``[today.year - 50, today.year + 49]``;
* a '<' in a birth date (an unknown part, Part 3 §4.8) leaves ``birth_date`` None, keeps the raw
  characters and the year when printed, and the check digit is still verified; a '<' in an
  expiry date is an issue (only a birth date may be partly unknown).

Other decisions, with their source:

* sex is M, F or '<' (Part 4 §4.2.2.2, Part 5 §4.2.2.2, Part 6 §4.2.2.2, Part 7): an 'X' in the
  MRZ is an issue, because note p (Part 4) and note f (Parts 5 to 7) print an unspecified sex
  as 'X' in the visual zone only and as '<' in the MRZ; ``generate_mrz`` writes 'X' as '<';
* document codes: TD3 begins with P (Part 4 §4.2.2.1, note m); MRV-A and MRV-B with V (Part 7);
  TD1 and TD2 with A, C or I (Part 5 and Part 6, note k); the second character is a letter or
  '<', never V on TD1/TD2, not I after A on TD1, not C after A on TD2 (AC is the TD1 crew
  member certificate, Part 5 Appendix C);
* document numbers of more than 9 characters continue in the optional data on TD1 (Part 5
  note j) and TD2 (Part 6 note j); TD3 and visas hold 9 characters;
* a check digit failure attributes its issue to the field it protects (``document_number``,
  ``birth_date``, ``expiry_date``, ``optional_data``) or ``composite_check_digit``.
"""

from cta.domain.documents.charset import check_digit
from cta.domain.documents.generate import generate_mrz
from cta.domain.documents.model import (
    DocumentFields,
    DocumentType,
    IssuesInEnglish,
    MRZIssue,
    TravelDocument,
    issues_in_english,
)
from cta.domain.documents.parse import parse_mrz

__all__ = [
    "DocumentFields",
    "DocumentType",
    "IssuesInEnglish",
    "MRZIssue",
    "TravelDocument",
    "check_digit",
    "generate_mrz",
    "issues_in_english",
    "parse_mrz",
]
