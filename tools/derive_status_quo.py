"""Write src/cta/policy/status-quo/{AZE,ARM,GEO}.toml from the passport-index data set.

Dev-time only: ``.venv/bin/python tools/derive_status_quo.py PATH/passport-index-tidy-iso3.csv``
(``--help``: this text).
The same CSV always gives the same files. The data set (ilyankou/passport-index-dataset, MIT,
commit of 2025-01-12) is a secondary source: each state's stay window, and the facts we found
wrong or outdated against an official statement, are written here with their source, and go
into the files as notes beside the nationalities they concern.

Mapping of the data set's requirement to ``cta.domain.regime.Category``:
a number N -> visa_exempt, N days in the state's window; ``visa free`` -> visa_exempt with the
state's stay by law; ``eta`` -> authorization; ``e-visa`` -> e_visa; ``visa on arrival`` ->
visa_on_arrival; ``visa required`` -> visa; ``no admission`` -> no_admission; ``-1`` (own
country) -> left out (the member moves freely).

A stay is a limit in a window (``limit`` days in any ``window``), a longest single stay
(``per_entry``: days from entry to exit, both counted), or both; only per-visit maxima an
official statement gives are written as ``per_entry``.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "src" / "cta" / "policy" / "status-quo"
DATASET_DATE = "2025-01-12"
CHECKED = "2026-11-29"  # when the official statements below were read
PER_LINE = 10

DATASET_SOURCE = (
    "passport-index",
    "Passport Index data set (ilyankou/passport-index-dataset, MIT), "
    "passport-index-tidy-iso3.csv, commit a46dbc8 of 2025-01-12",
    "https://github.com/ilyankou/passport-index-dataset",
    DATASET_DATE,
)

# ICAO Doc 9303 codes that mean the same nationality as a code of the data set: a German
# passport reads D, a Kosovo passport may read RKS; both get the rule of their twin.
ALIASES = {"D": "DEU", "RKS": "XKX"}
CATEGORY = {
    "e-visa": "e_visa",
    "visa on arrival": "visa_on_arrival",
    "visa required": "visa",
    "no admission": "no_admission",
    "eta": "authorization",
    "visa free": "visa_exempt",
}

ORDER = ("authorization", "visa_exempt", "e_visa", "visa_on_arrival", "visa", "no_admission")


@dataclass(frozen=True)
class Stay:
    """``limit`` days in any ``window`` (both or neither), and/or ``per_entry`` days a visit."""

    limit: int | None = None
    window: int | None = None
    per_entry: int | None = None

    def __post_init__(self) -> None:
        if (self.limit is None) != (self.window is None):
            raise ValueError("limit and window come together")
        if self.limit is None and self.per_entry is None:
            raise ValueError("a stay needs a limit in a window, a per_entry, or both")

    @property
    def longest(self) -> int:
        """The most days one visit may last (to order the groups, longest first)."""
        return min(d for d in (self.limit, self.per_entry) if d is not None)

    def toml(self) -> str:
        parts = []
        if self.limit is not None:
            parts += [f"limit = {self.limit}", f"window = {self.window}"]
        if self.per_entry is not None:
            parts.append(f"per_entry = {self.per_entry}")
        return "{ " + ", ".join(parts) + " }"


@dataclass(frozen=True)
class Correction:
    """An official statement that overrides (or confirms with a note) the data set."""

    category: str
    stay: Stay | None
    note: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class State:
    code: str
    title: str
    window: int  # the window of the state's visa-free day counts
    windows: dict[int, int]  # a window of its own for some day counts
    visa_free_stay: Stay  # stay of the data set's "visa free" (no day count given)
    default_stay: Stay  # the version's default stay limit
    stay_note: str  # why this window
    min_validity_months: int
    documents_note: str
    sources: tuple[tuple[str, str, str, str], ...]
    corrections: dict[str, Correction] = field(default_factory=dict)
    group_notes: dict[tuple[str, Stay | None], tuple[str, tuple[str, ...]]] = field(
        default_factory=dict
    )


# "Full 1 (one) year" a stay (geoconsul id=25): 365 days from entry to exit, both counted.
GEO_YEAR = Stay(per_entry=365)

GEO = State(
    code="GEO",
    title="Georgia: entry of foreigners, national regime today",
    window=180,
    windows={},
    visa_free_stay=GEO_YEAR,
    default_stay=Stay(90, 180),
    stay_note=(
        "Visa-free stays: 'full 1 (one) year' for most listed states (geoconsul id=25), a limit "
        "per entry: a traveller may leave and enter again at once, so 365 days per entry and "
        "no limit in a window. Shorter stays are '90 days in any 180 day period' (geoconsul "
        "id=25); China 30 days a visit and 90 in 180 (agreement of 2024)."
    ),
    min_validity_months=0,
    documents_note="Georgia asks a passport valid for the stay; no minimum beyond it found.",
    sources=(
        DATASET_SOURCE,
        (
            "geoconsul-visa-free",
            "Ministry of Foreign Affairs of Georgia, consular service: countries whose "
            "citizens may enter Georgia without a visa",
            "https://www.geoconsul.gov.ge/HtmlPage/Html/View?id=25&lang=Eng",
            CHECKED,
        ),
        (
            "mfa-ge-china",
            "Ministry of Foreign Affairs of Georgia: visa exemption agreement with China "
            "signed 10 April 2024 (in force 28 May 2024: 30 days a visit, 90 in 180)",
            "https://mfa.gov.ge/en/news/641804-saqartvelosa-da-chinets-mtavrobas-shoris-kheli-moetsera-ordinaluri-pasportebis-mphlobelta-savizo-mot",
            CHECKED,
        ),
        (
            "mondaq-ge-peru",
            "Georgia/Peru reciprocal visa waiver in effect, 90 days in 180 (2024-08-15)",
            "https://www.mondaq.com/work-visas/1506546/georgiaperu-reciprocal-visa-waiver-in-effect",
            CHECKED,
        ),
    ),
    group_notes={
        ("visa_exempt", GEO_YEAR): (
            "Full 1 (one) year a stay; the data set says 360 days (the 2014 rule), the MFA list "
            "says a full year: corrected to 365 days per entry, no limit in a window (one may "
            "leave and enter again at once)",
            ("geoconsul-visa-free", "passport-index"),
        ),
        ("visa_exempt", Stay(90, 180)): (
            "90 days in any 180 day period (Chile, Uruguay, Peru and others)",
            ("geoconsul-visa-free", "mondaq-ge-peru", "passport-index"),
        ),
        ("visa_exempt", Stay(30, 180)): (
            "30 days (Hong Kong, Macao) per the data set, not on the MFA list we read; window "
            "assumed 180",
            ("passport-index",),
        ),
        ("visa", None): (
            "Kosovo passports: a visa (Georgia does not recognise Kosovo)",
            ("passport-index",),
        ),
        ("no_admission", None): (
            "Taiwan passports are not accepted (data set)",
            ("passport-index",),
        ),
        ("e_visa", None): (
            "e-visa at evisa.gov.ge; holders of a valid visa or residence permit of the states "
            "of Ordinance No 256 (EU, Schengen, US, UK, GCC, ...) may enter without a visa for "
            "90 days in 180",
            ("geoconsul-visa-free", "passport-index"),
        ),
    },
    corrections={
        "CHN": Correction(
            "visa_exempt",
            Stay(90, 180, per_entry=30),
            "Agreement with China in force 28 May 2024: at most 30 days a visit and 90 in any "
            "180; the data set gives only the 30 days a visit",
            ("mfa-ge-china", "passport-index"),
        ),
        "IRN": Correction(
            "visa_exempt",
            Stay(45, 180),
            "45 days (MFA list); the MFA states no window: we assume 180 like the other short "
            "stays",
            ("geoconsul-visa-free", "passport-index"),
        ),
    },
)

ARM = State(
    code="ARM",
    title="Armenia: entry of foreigners, national regime today",
    window=180,
    windows={180: 365},
    visa_free_stay=Stay(180, 365),
    default_stay=Stay(180, 365),
    stay_note=(
        "Visa-free stays are 180 days within one year (Armenian government decisions on "
        "unilateral exemptions, e.g. of 2018 for Canada, Albania, Lebanon, Turkmenistan); "
        "bilateral agreements set 90 days in 180 (Iran, China)."
    ),
    min_validity_months=0,
    documents_note=(
        "No official minimum passport validity found (secondary sources say 6 months on "
        "arrival): left at 0. Russian nationals may also enter with an internal passport."
    ),
    sources=(
        DATASET_SOURCE,
        (
            "arlis-am-china",
            "Agreement between Armenia and China on mutual visa exemption for holders of "
            "ordinary passports (ARLIS, Armenian legal information system), Art. I: 90 days "
            "within any 180 days; in force 19 January 2020",
            "https://newfront.arlis.am/hy/acts/3789",
            CHECKED,
        ),
        (
            "mfa-am-iran",
            "Armenia-Iran memorandum on visa-free visits (2016), 90 days within 180, as "
            "reported from the Armenian MFA",
            "https://massispost.com/am/2016/08/13/",
            CHECKED,
        ),
        (
            "gov-am-2018",
            "Government of Armenia: visa waiver for Albania, Turkmenistan, Lebanon, Canada "
            "from 10 July 2018, 180 days within one year (Armenpress)",
            "https://torontohye.ca/canadian-citizens-to-be-allowed-visa-free-travel-to-armenia/",
            CHECKED,
        ),
    ),
    group_notes={
        ("visa_exempt", Stay(180, 365)): (
            "180 days within one year",
            ("gov-am-2018", "passport-index"),
        ),
        ("visa_exempt", Stay(90, 180)): (
            "90 days within 180 (bilateral agreements)",
            ("mfa-am-iran", "passport-index"),
        ),
        ("e_visa", None): ("e-visa at evisa.mfa.am", ("passport-index",)),
        ("visa_on_arrival", None): (
            "visa on arrival, or e-visa in advance",
            ("passport-index",),
        ),
    },
    corrections={
        "CHN": Correction(
            "visa_exempt",
            Stay(90, 180),
            "Agreement with China, Art. I: 90 days within any 180; the data set says 180 days "
            "(Armenia's unilateral rule): corrected",
            ("arlis-am-china", "passport-index"),
        ),
        "AZE": Correction(
            "visa_exempt",
            Stay(180, 365),
            "Formally visa-free (CIS); secondary sources report a special entry permit in "
            "practice. Irrelevant to the union: AZE is a member",
            ("passport-index",),
        ),
    },
)

AZE = State(
    code="AZE",
    title="Azerbaijan: entry of foreigners, national regime today",
    window=180,
    windows={},
    visa_free_stay=Stay(90, 180),
    default_stay=Stay(90, 180),
    stay_note=(
        "The MFA gives visa-free stays as '90 days' (30 for Qatar) per agreement, without a "
        "window; we count them in any 180 days, an assumption. Stays over 15 days must be "
        "registered with the State Migration Service."
    ),
    min_validity_months=3,
    documents_note=(
        "The travel document must be valid 3 months beyond the visa's expiry (ASAN visa "
        "conditions)."
    ),
    sources=(
        DATASET_SOURCE,
        (
            "mfa-az-visa-free",
            "Ministry of Foreign Affairs of Azerbaijan: visa-free countries (bilateral "
            "agreements, 90 days; Qatar 30, UAE 90), as published by the embassy in Islamabad "
            "and reported by Trend",
            "https://islamabad.mfa.gov.az/en/content/77/visa-free-countries",
            CHECKED,
        ),
        (
            "azerbaijan-az-entry",
            "Official portal azerbaijan.az: entry rules (visa-free, visa on arrival at "
            "airports, ASAN e-visa: 30 days, single entry)",
            "https://azerbaijan.az/en/related-information/215",
            CHECKED,
        ),
        (
            "sms-az-china",
            "State Migration Service of Azerbaijan: Chinese nationals visa-free 20 July "
            "2024 to 20 July 2025, 30 days a visit, 3 visits (News.az 2024-07-16); since 16 "
            "July 2025 an agreement: 30 days a visit, 90 in 180 (AZERTAC 2025-07-16)",
            "https://news.az/news/azerbaijan-grants-three-annual-visa-free-visits-to-chinese-nationals",
            CHECKED,
        ),
        (
            "mfa-rs-azerbaijan",
            "Ministry of Foreign Affairs of Serbia: Azerbaijan, visa not required up to 90 days",
            "https://www.mfa.gov.rs/en/citizens/travel-abroad/visas-and-states-travel-advisory/azerbaijan",
            CHECKED,
        ),
    ),
    group_notes={
        ("visa_exempt", Stay(90, 180)): (
            "90 days: bilateral agreements (MFA list, with Türkiye and the UAE); Serbia "
            "confirmed by the Serbian MFA; Albania, Bosnia and Herzegovina, Montenegro and "
            "Morocco from the data set only, not on the MFA's list of agreements (unverified); "
            "window assumed 180",
            ("mfa-az-visa-free", "mfa-rs-azerbaijan", "passport-index"),
        ),
        ("visa_exempt", Stay(30, 180)): (
            "30 days (Qatar by agreement; Malaysia per data set); window assumed 180",
            ("mfa-az-visa-free", "passport-index"),
        ),
        ("e_visa", None): (
            "ASAN e-visa (evisa.gov.az): single entry, 30 days",
            ("azerbaijan-az-entry", "passport-index"),
        ),
        ("visa_on_arrival", None): (
            "visa at the international airports (ASAN visa terminals)",
            ("azerbaijan-az-entry", "passport-index"),
        ),
        ("no_admission", None): (
            "Citizens of Armenia are not admitted (data set; no written rule found, refusals "
            "reported). Irrelevant to the union: ARM is a member",
            ("passport-index",),
        ),
    },
    corrections={
        "CHN": Correction(
            "visa_exempt",
            Stay(90, 365, per_entry=30),
            "Unilateral exemption of 20 July 2024: 30 days a visit, 3 visits a year (written as "
            "30 per entry, 90 in any 365); since 16 July 2025 an agreement (30 a visit, 90 in "
            "180). Visa-free either way",
            ("sms-az-china", "passport-index"),
        ),
    },
)

STATES = (AZE, ARM, GEO)


@dataclass
class Group:
    category: str
    stay: Stay | None
    note: str
    sources: tuple[str, ...]
    nationalities: list[str] = field(default_factory=list)


def read_requirements(csv_path: Path, destination: str) -> dict[str, str]:
    """Passport -> requirement for one destination, own country left out."""
    with csv_path.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Destination"] == destination]
    return {row["Passport"]: row["Requirement"] for row in rows if row["Requirement"] != "-1"}


def category_and_stay(state: State, requirement: str) -> tuple[str, Stay | None]:
    """Map one data set requirement to a category and its stay in this state."""
    if requirement.isdigit():
        days = int(requirement)
        if days >= 360:  # Georgia's "360" is its full year
            return "visa_exempt", state.visa_free_stay
        return "visa_exempt", Stay(days, state.windows.get(days, state.window))
    if requirement == "visa free":
        return "visa_exempt", state.visa_free_stay
    return CATEGORY[requirement], None


def build_groups(state: State, requirements: dict[str, str]) -> list[Group]:
    """Group nationalities by (category, stay); corrections get a group of their own."""
    by_key: dict[tuple[str, Stay | None], Group] = {}
    corrected: list[Group] = []
    for passport in sorted(requirements):
        codes = [passport, *sorted(a for a, twin in ALIASES.items() if twin == passport)]
        fix = state.corrections.get(passport)
        if fix is not None:
            corrected.append(Group(fix.category, fix.stay, fix.note, fix.sources, codes))
            continue
        key = category_and_stay(state, requirements[passport])
        if key not in by_key:
            note, sources = state.group_notes.get(key, ("", ("passport-index",)))
            by_key[key] = Group(key[0], key[1], note, sources)
        by_key[key].nationalities.extend(codes)
    groups = sorted(
        by_key.values(),
        key=lambda g: (ORDER.index(g.category), -(g.stay.longest if g.stay else 0)),
    )
    return [*groups, *corrected]


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(state: State, groups: list[Group]) -> str:
    """The TOML text of one status-quo file."""
    counts: dict[str, int] = defaultdict(int)
    for group in groups:
        counts[group.category] += len(group.nationalities)
    lines = [
        f"# Generated by tools/derive_status_quo.py from the passport-index data set of "
        f"{DATASET_DATE};",
        "# corrections from official statements are in the tool. Do not edit by hand.",
        "# Counts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
        "",
        f'name = "status-quo/{state.code}"',
        f"title = {quote(state.title)}",
        'kind = "national"',
        f'members = ["{state.code}"]',
        "",
    ]
    for sid, title, url, retrieved in state.sources:
        lines += [
            "[[sources]]",
            f"id = {quote(sid)}",
            f"title = {quote(title)}",
            f"url = {quote(url)}",
            f"retrieved = {retrieved}",
            "",
        ]
    lines += [
        "[[version]]",
        f"effective_from = {DATASET_DATE}  # the data set's date; open-ended",
        f"note = {quote(state.stay_note)}",
        f"stay = {state.default_stay.toml()}",
        'documents = { member = ["P", "I", "A", "C"], third_country = ["P"], '
        f"min_validity_months = {state.min_validity_months} }}",
        f"documents_note = {quote(state.documents_note)}",
        'default = { category = "visa", note = "not in the data set: stateless persons, '
        'refugees, other ICAO codes" }',
        "",
    ]
    for group in groups:
        lines += ["[[version.group]]", f'category = "{group.category}"']
        if group.stay is not None:
            lines.append(f"stay = {group.stay.toml()}")
        if group.note:
            lines.append(f"note = {quote(group.note)}")
        lines.append("sources = [" + ", ".join(quote(s) for s in group.sources) + "]")
        lines.append("nationalities = [")
        codes = group.nationalities
        for start in range(0, len(codes), PER_LINE):
            chunk = codes[start : start + PER_LINE]
            lines.append("  " + ", ".join(quote(c) for c in chunk) + ",")
        lines += ["]", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[1] in ("-h", "--help"):
        print(f"usage: {argv[0]} PATH/passport-index-tidy-iso3.csv\n\n{__doc__}")
        return 0
    if len(argv) != 2 or argv[1].startswith("-"):
        print(f"usage: {argv[0]} PATH/passport-index-tidy-iso3.csv", file=sys.stderr)
        return 2
    csv_path = Path(argv[1])
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for state in STATES:
        groups = build_groups(state, read_requirements(csv_path, state.code))
        path = OUT_DIR / f"{state.code}.toml"
        path.write_text(render(state, groups), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
