"""Synthetic travellers with realistic histories, for ``make run`` (a demo node).

Names are drawn in their own scripts from Faker's locales (az_AZ, hy_AM, ka_GE, ru_RU and a
few Latin-script ones) and printed in the MRZ as the passports would (``to_mrz``). Every
crossing goes through the node's own use case, so the demo data is what officers would have
recorded: entries and exits at the node's external crossing points over the last 400 days, a
few travellers inside the area now, some of them over their limit. A few alerts in the scripts
of the region (Azerbaijani Latin, Armenian, Georgian, Russian Cyrillic), of different categories;
some name demo travellers, so that a check of their passport shows a hit.

``cta area --demo`` seeds each of the three nodes so (each with its own ``seed`` and its own
range of document numbers, so that no passport is filed at two nodes), then makes new travellers
with ``DemoTravellers`` for its live traffic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from faker import Faker

from cta.domain.checks import Direction
from cta.domain.documents import DocumentFields, DocumentType, generate_mrz
from cta.domain.names import to_mrz
from cta.domain.regime import Category
from cta.domain.roles import Role
from cta.services.node import Actor, IssuePermit, Node, RecordCrossing

__all__ = ["DemoTravellers", "DemoUsers", "seed_demo"]

# nationality, Faker locale, weight: the mix of visitors to the three states, roughly
# (codes as an MRZ writes them, ICAO 9303 Part 3: Germany is "D", never "DEU")
_PEOPLE = (
    ("AZE", "az_AZ", 8), ("ARM", "hy_AM", 8), ("GEO", "ka_GE", 8), ("RUS", "ru_RU", 14),
    ("UKR", "uk_UA", 3), ("TUR", "tr_TR", 8), ("USA", "en_US", 4), ("GBR", "en_GB", 3),
    ("D", "de_DE", 3), ("FRA", "fr_FR", 2), ("POL", "pl_PL", 2), ("IND", "en_IN", 3),
)  # fmt: skip


@dataclass(frozen=True)
class DemoUsers:
    """Tokens of the demo node's users, one per role."""

    tokens: dict[str, str]
    # the MRZs of demo travellers an alert hits: a check of one shows the hit
    alert_hits: tuple[tuple[str, ...], ...] = ()


class DemoTravellers:
    """Synthetic travellers one after another: a nationality drawn from the visitors' mix, a
    name in its own script, a passport (TD3) that prints it as ICAO transliterates it."""

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self._fakers = {locale: Faker(locale) for _, locale, _ in _PEOPLE}
        for faker in self._fakers.values():
            faker.seed_instance(seed)
        self._weights = [w for _, _, w in _PEOPLE]

    def passport(self, number: int) -> DocumentFields:
        """The passport of traveller ``number`` (its document number: a letter, 8 digits)."""
        return self.traveller(number)[0]

    def traveller(self, number: int) -> tuple[DocumentFields, str, str]:
        """The passport of traveller ``number`` and the name in its own script (surname,
        given name)."""
        nationality, locale, _ = self.rng.choices(_PEOPLE, self._weights)[0]
        return _passport(self.rng, self._fakers[locale], nationality, number, self.today)


def seed_demo(
    node: Node, *, travellers: int = 300, seed: int = 2027, first_number: int = 0
) -> DemoUsers:
    """Fill an empty node with demo users and travellers; returns the users' tokens.

    Travellers get document numbers from ``first_number`` on and cross at the node's own
    external crossing points."""
    tokens = {role.value: node.add_user(f"demo-{role.value}", role) for role in Role}
    officer = Actor("demo-border_officer", Role.BORDER_OFFICER, "demo data")
    points = [p for p in node.crossing_points.of_state(node.state) if p.is_external]
    today = node.today()
    people = DemoTravellers(seed, today)
    rng = people.rng
    native: dict[str, tuple[DocumentFields, str, str, tuple[str, ...]]] = {}
    for number in range(first_number, first_number + travellers):
        fields, surname, given = people.traveller(number)
        mrz = generate_mrz(fields)
        native.setdefault(fields.nationality, (fields, surname, given, mrz))
        _permits(node, fields, mrz, today)
        for day, direction in _history(rng, today):
            point = rng.choice(points)
            local = datetime.combine(day, time(rng.randint(6, 22), rng.randint(0, 59)))
            at = local.replace(tzinfo=ZoneInfo(point.time_zone)).astimezone(UTC)
            node.record(officer, RecordCrossing(
                mrz=mrz, crossing_point=point.code, direction=direction, occurred_at=at,
                override_reason="demo data: admitted at the officer's discretion",
            ))  # fmt: skip
    hits = _alerts(node, native)
    return DemoUsers(tokens, hits)


def _passport(
    rng: random.Random, faker: Faker, nationality: str, number: int, today: date
) -> tuple[DocumentFields, str, str]:
    male = rng.random() < 0.5
    surname = faker.last_name_male() if male else faker.last_name_female()
    given = faker.first_name_male() if male else faker.first_name_female()
    born = today - timedelta(days=rng.randint(18 * 365, 80 * 365))
    expires = today + timedelta(days=rng.randint(200, 3600))
    return DocumentFields(
        DocumentType.TD3, "P", nationality, to_mrz(surname).replace("<", " "),
        to_mrz(given).replace("<", " "), f"{nationality[0]}{number:08d}", nationality, born,
        "M" if male else "F", expires,
    ), surname, given  # fmt: skip


_ADMIN = Actor("demo-admin", Role.ADMIN, "demo data")
# the nationalities whose demo travellers an alert names in their own script, and the
# category of each alert: Azerbaijani (Latin), Armenian, Georgian and Russian (Cyrillic)
_HIT = (("AZE", "discreet_check"), ("ARM", "specific_check"), ("GEO", "missing_person"),
        ("RUS", "refuse_entry"))  # fmt: skip
# alerts on no demo traveller, one per script (invented names)
_OTHERS = (
    ("judicial_procedure", {"surname": "Əliyeva", "given_names": "Gülnarə"}, "1979-04-02", "AZE"),
    ("arrest", {"surname": "Սարգսյան", "given_names": "Արամ"}, "1968-11-23", "ARM"),
    ("refuse_entry", {"surname": "ბერიძე", "given_names": "ნინო"}, "1990-07-15", "GEO"),
    ("refuse_entry", {"surname": "Кузнецов", "given_names": "Игорь"}, "1983-01-30", "RUS"),
)  # fmt: skip


def _alerts(
    node: Node, native: dict[str, tuple[DocumentFields, str, str, tuple[str, ...]]]
) -> tuple[tuple[str, ...], ...]:
    """A few alerts in the node's name (ids STATE-DEMO-n), in the scripts of the region; some
    name a demo traveller of this node in the script of their nationality (so a check of that
    passport shows the hit). The MRZs of the travellers hit."""
    records: list[dict[str, object]] = []
    hit: list[tuple[str, ...]] = []
    for nationality, category in _HIT:
        if nationality not in native:
            continue
        fields, surname, given, mrz = native[nationality]
        records.append({
            "category": category, "names": [{"surname": surname, "given_names": given}],
            "birth_date": str(fields.birth_date),
            "nationalities": [nationality], "sex": fields.sex,
            "action": "demo alert: refer the traveller to the second line",
        })  # fmt: skip
        hit.append(mrz)
    for category, name, born, nationality in _OTHERS:
        records.append({"category": category, "names": [name], "birth_date": born,
                        "nationalities": [nationality], "action": "demo alert"})  # fmt: skip
    for n, record in enumerate(records, start=1):
        record["id"] = f"{node.state}-DEMO-{n}"
    node.put_alerts(_ADMIN, [{k: v for k, v in r.items() if v is not None} for r in records])
    return tuple(hit)


_CONSUL = Actor("demo-consular_officer", Role.CONSULAR_OFFICER, "demo data")


def _permits(node: Node, fields: DocumentFields, mrz: tuple[str, ...], today: date) -> None:
    """A travel authorisation or a common visa where the regime asks for one, issued as a
    consular officer issues it (so that it is a record the peers get too)."""
    category = node.regime_on(today).category_for(fields.nationality)
    if not (category.needs_authorization or category.needs_visa):
        return
    start = today - timedelta(days=420)
    end = min(today + timedelta(days=700), fields.expiry_date or today)
    visa = category is not Category.AUTHORIZATION
    node.issue_permit(_CONSUL, IssuePermit(mrz, start, end,
                                           duration_days=180 if visa else None))  # fmt: skip


def _history(rng: random.Random, today: date) -> list[tuple[date, Direction]]:
    """Past stays in the last 400 days; a quarter inside now, some long past their limit."""
    crossings: list[tuple[date, Direction]] = []
    day = today - timedelta(days=rng.randint(200, 400))
    for _ in range(rng.randint(1, 4)):
        length = rng.choice((3, 5, 7, 10, 14, 21, 30, 45))
        exit_day = day + timedelta(days=length)
        if exit_day >= today:
            break
        crossings += [(day, Direction.ENTRY), (exit_day, Direction.EXIT)]
        day = exit_day + timedelta(days=rng.randint(10, 90))
    if rng.random() < 0.25:
        stayed = rng.choice((5, 20, 60, 95, 130)) if rng.random() < 0.9 else 200
        entry = max(today - timedelta(days=stayed), (crossings[-1][0] if crossings else day))
        crossings.append((entry + timedelta(days=1), Direction.ENTRY))
    return crossings
