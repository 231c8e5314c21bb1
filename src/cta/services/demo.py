"""Sample travellers for ``make run``: one check for each kind of decision the core makes.

The documents are generated MRZs (``generate_mrz``), so they are valid unless a sample spoils
one on purpose; the day of the check is fixed so that the demo always prints the same.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from cta.domain.alerts import Alert, AlertCategory
from cta.domain.checks import Direction
from cta.domain.documents import DocumentFields, DocumentType, generate_mrz
from cta.domain.travel_permits import Authorization, Visa
from cta.services.checks import CheckTraveller

__all__ = ["DEMO_DAY", "demo_checks"]

DEMO_DAY = date(2027, 6, 1)


def _passport(state: str, surname: str, given: str, number: str, born: date, sex: str,
              expires: date) -> DocumentFields:
    return DocumentFields(DocumentType.TD3, "P", state, surname, given, number, state, born, sex,
                          expires)


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def demo_checks() -> list[tuple[str, CheckTraveller]]:
    """(what the sample shows, the check) pairs."""
    day = DEMO_DAY
    later = date(2032, 1, 1)
    georgian_id = DocumentFields(DocumentType.TD1, "ID", "GEO", "BERIDZE", "NINO", "13AB45678",
                                 "GEO", date(1990, 4, 12), "F", later)
    american = _passport("USA", "MILLER", "SARAH JANE", "A12345678", date(1985, 2, 28), "F", later)
    indian = _passport("IND", "SHARMA", "RAHUL", "Z1234567", date(1992, 11, 3), "M", later)
    indian2 = _passport("IND", "PATEL", "ANJALI", "V9876543", date(1979, 7, 7), "F", later)
    russian = _passport("RUS", "IVANOV", "SERGEI", "751234567", date(1970, 1, 15), "M", later)
    briton = _passport("GBR", "SMITH", "JOHN", "533380006", date(1968, 9, 9), "M", day + _days(60))
    german = _passport("D", "MUSTERMANN", "ERIKA", "C01X00T47", date(1964, 8, 12), "F", later)
    stateless = replace(_passport("GEO", "DOE", "ALEX", "S0000001", date(2000, 1, 1), "M", later),
                        nationality="XXA", document_code="PT")
    chinese = _passport("CHN", "WANG", "LI", "E98765432", date(1979, 7, 7), "M", later)
    iranian = _passport("IRN", "KARIMI", "REZA", "K44556677", date(1988, 5, 20), "M", later)
    bad = list(generate_mrz(german))
    ok = Authorization  # every visa-exempt sample holds an authorisation unless it shows its lack
    bad[1] = bad[1][:9] + ("0" if bad[1][9] != "0" else "1") + bad[1][10:]
    return [
        ("a Georgian citizen with her identity card: free movement",
         CheckTraveller(day, Direction.ENTRY, generate_mrz(georgian_id))),
        ("a US citizen with a travel authorisation, 30 days used",
         CheckTraveller(day, Direction.ENTRY, generate_mrz(american),
                        planned_exit=day + _days(14),
                        history=[(day - _days(100), day - _days(71))],
                        authorizations=[Authorization("A12345678", day - _days(200),
                                                      day + _days(900))])),
        ("an Indian citizen without the common visa",
         CheckTraveller(day, Direction.ENTRY, generate_mrz(indian))),
        ("an Indian citizen with a common visa of 30 days, 10 of them used",
         CheckTraveller(day, Direction.ENTRY, generate_mrz(indian2),
                        history=[(day - _days(40), day - _days(31))],
                        visas=[Visa("V9876543", day - _days(45), day + _days(85), 30)])),
        ("a Russian citizen who has stayed 90 of the last 180 days",
         CheckTraveller(day, Direction.ENTRY, generate_mrz(russian),
                        history=[(day - _days(120), day - _days(31))],
                        authorizations=[ok("751234567", day - _days(300), day + _days(700))])),
        ("a British passport that expires in two months",
         CheckTraveller(day, Direction.ENTRY, generate_mrz(briton),
                        authorizations=[ok("533380006", day - _days(30), day + _days(50))])),
        ("a German passport with a misread document number check digit",
         CheckTraveller(day, Direction.ENTRY, bad,
                        authorizations=[ok("C01X00T47", day - _days(30), day + _days(900))])),
        ("a traveller named in a refuse-entry alert",
         CheckTraveller(day, Direction.ENTRY, generate_mrz(iranian),
                        alerts=[Alert("GEO-2027-0042", AlertCategory.REFUSE_ENTRY, "Karimi",
                                      "Reza", 1988, 5, 20, "IRN")],
                        authorizations=[ok("K44556677", day - _days(3), day + _days(900))])),
        ("a stateless person (XXA) without a visa",
         CheckTraveller(day, Direction.ENTRY, generate_mrz(stateless))),
        ("a Chinese citizen with no travel authorisation",
         CheckTraveller(day, Direction.ENTRY, generate_mrz(chinese))),
        ("a US citizen leaving after 100 days in the area",
         CheckTraveller(day, Direction.EXIT, generate_mrz(american),
                        history=[(day - _days(99), day)])),
    ]
