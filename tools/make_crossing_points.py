"""Write src/cta/data/crossing_points.csv and crossing_points.md.

Dev-time only: run `.venv/bin/python tools/make_crossing_points.py` (needs `airportsdata`).
Airports take their name, coordinates and time zone from airportsdata by ICAO code; land
crossings and sea ports come from the table below, each with the source that lists it and
the basis of its coordinates. The output depends only on this file and the airportsdata
version, so running it twice gives the same CSV.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import airportsdata

from cta.policy.crossing_points import COLUMNS, parse_crossing_points

ROOT = Path(__file__).resolve().parents[1]
CSV_PATH = ROOT / "src" / "cta" / "data" / "crossing_points.csv"
MD_PATH = ROOT / "src" / "cta" / "data" / "crossing_points.md"
ZONES = {"AZE": "Asia/Baku", "ARM": "Asia/Yerevan", "GEO": "Asia/Tbilisi"}
COUNTRY_OF = {"AZ": "AZE", "AM": "ARM", "GE": "GEO"}
MEMBERS = frozenset(ZONES)


@dataclass(frozen=True)
class Airport:
    """An international airport, looked up in airportsdata by its ICAO code."""

    state: str
    icao: str
    name_local: str
    source: str


@dataclass(frozen=True)
class Place:
    """A land crossing or sea port, with the page its coordinates were read from."""

    code: str
    name: str
    name_local: str
    border_with: str
    mode: str
    latitude: float
    longitude: float
    source: str
    where: str  # the basis of the coordinates, shown in the notes
    checked: bool  # coordinates read in a cited page (False: estimated, see the notes)


AIRPORTS: tuple[Airport, ...] = (
    Airport("GEO", "UGTB", "თბილისის საერთაშორისო აეროპორტი", "gnta"),
    Airport("GEO", "UGKO", "ქუთაისის საერთაშორისო აეროპორტი", "gnta"),
    Airport("GEO", "UGSB", "ბათუმის საერთაშორისო აეროპორტი", "gnta"),
    Airport("ARM", "UDYZ", "Զվարթնոց միջազգային օդանավակայան", "airportsdata"),
    Airport("ARM", "UDSG", "Շիրակ միջազգային օդանավակայան", "airportsdata"),
    Airport("AZE", "UBBB", "Heydər Əliyev adına Beynəlxalq Aeroport", "airportsdata"),
    Airport("AZE", "UBBG", "Gəncə Beynəlxalq Aeroportu", "airportsdata"),
    Airport("AZE", "UBBN", "Naxçıvan Beynəlxalq Aeroportu", "airportsdata"),
    Airport("AZE", "UBBL", "Lənkəran Beynəlxalq Aeroportu", "airportsdata"),
    Airport("AZE", "UBBQ", "Qəbələ Beynəlxalq Aeroportu", "airportsdata"),
    Airport("AZE", "UBBY", "Zaqatala Beynəlxalq Aeroportu", "airportsdata"),
    Airport("AZE", "UBBZ", "Zəngilan Beynəlxalq Aeroportu", "airportsdata"),
)

# fmt: off
PLACES: tuple[Place, ...] = (
    # Georgia: the 20 checkpoints of the Georgian National Tourism Administration (gnta).
    Place("GEO-SARPI", "Sarpi", "სარფი", "TUR", "road", 41.521, 41.552,
          "gnta", "Wikipedia, Sarpi, Georgia (village)", True),
    Place("GEO-VALE", "Vale", "ვალე", "TUR", "road", 41.617, 42.867,
          "gnta", "Wikipedia, Vale, Georgia (town; checkpoint a few km south)", True),
    Place("GEO-KARTSAKHI", "Kartsakhi", "კარწახი", "TUR", "road", 41.246, 43.279,
          "gnta", "Wikipedia, Kartsakhi (village)", True),
    Place("GEO-KARTSAKHI-RAIL", "Kartsakhi–Akhalkalaki railway", "კარწახი–ახალქალაქი",
          "TUR", "rail", 41.246, 43.279,
          "gnta", "Wikipedia, Kartsakhi (last station of the Baku–Tbilisi–Kars railway)",
          True),
    Place("GEO-KAZBEGI", "Kazbegi (Dariali)", "ყაზბეგი", "RUS", "road", 42.743, 44.627,
          "gnta", "estimate: Dariali gorge near the border, a few km", False),
    Place("GEO-NINOTSMINDA", "Ninotsminda", "ნინოწმინდა", "ARM", "road", 41.175, 43.790,
          "gnta", "estimate: Sameba village on the Ninotsminda–Gyumri road, about 10 km",
          False),
    Place("GEO-GUGUTI", "Guguti", "გუგუთი", "ARM", "road", 41.215, 44.175,
          "gnta", "estimate: Guguti on the Dmanisi–Stepanavan road, about 10 km", False),
    Place("GEO-AKHKERPI", "Akhkerpi", "ახკერპი", "ARM", "road", 41.219, 44.576,
          "gnta", "Wikipedia, Akhkerpi (village)", True),
    Place("GEO-SADAKHLO", "Sadakhlo", "სადახლო", "ARM", "road", 41.250, 44.800,
          "gnta", "estimate: Sadakhlo, across the Debed from Bagratashen, about 2 km",
          False),
    Place("GEO-SADAKHLO-RAIL", "Sadakhlo railway", "სადახლო (რკინიგზა)", "ARM", "rail",
          41.250, 44.800,
          "gnta", "estimate: as GEO-SADAKHLO", False),
    Place("GEO-TSITELI-KHIDI", "Red Bridge (Tsiteli Khidi)", "წითელი ხიდი", "AZE", "road",
          41.329, 45.073,
          "aze-geo-2022", "Wikipedia, Red Bridge (border)", True),
    Place("GEO-GARDABANI-RAIL", "Gardabani railway", "გარდაბანი (რკინიგზა)", "AZE", "rail",
          41.460, 45.092,
          "aze-geo-2022", "estimate: Gardabani town, about 5 km", False),
    Place("GEO-LAGODEKHI", "Lagodekhi (Tsodna)", "ლაგოდეხი", "AZE", "road", 41.822, 46.275,
          "aze-geo-2022", "Wikipedia, Lagodekhi (town; crossing 3 km east)", True),
    Place("GEO-BATUMI-PORT", "Batumi Sea Port", "ბათუმის საზღვაო ნავსადგური", "", "sea",
          41.650, 41.657,
          "gnta", "Wikipedia, List of ports in Georgia (country)", True),
    Place("GEO-POTI-PORT", "Poti Sea Port", "ფოთის საზღვაო ნავსადგური", "", "sea",
          42.159, 41.659,
          "gnta", "Wikipedia, List of ports in Georgia (country)", True),
    # Armenia.
    Place("ARM-BAGRATASHEN", "Bagratashen", "Բագրատաշեն", "GEO", "road", 41.246, 44.821,
          "arm-gov-2011", "Wikipedia (ru), Bagratashen (village)", True),
    Place("ARM-AYRUM-RAIL", "Ayrum railway", "Այրում (երկաթուղի)", "GEO", "rail",
          41.189, 44.892,
          "wp-ayrum", "Wikipedia (ru), Ayrum (station)", True),
    Place("ARM-GOGAVAN", "Gogavan", "Գոգավան", "GEO", "road", 41.170, 44.200,
          "arm-gov-2011", "estimate: Gogavan on the Stepanavan–Dmanisi road, about 10 km",
          False),
    Place("ARM-BAVRA", "Bavra", "Բավրա", "GEO", "road", 41.160, 43.790,
          "arm-gov-2011", "estimate: Bavra on the Gyumri–Akhalkalaki road, about 10 km",
          False),
    Place("ARM-AGARAK", "Agarak (Meghri)", "Ագարակ", "IRN", "road", 38.865, 46.196,
          "wp-agarak", "Wikipedia, Agarak, Meghri (village at the Araks bridge)", True),
    # Azerbaijan.
    Place("AZE-QIRMIZI-KORPU", "Red Bridge (Qırmızı Körpü)", "Qırmızı Körpü", "GEO", "road",
          41.329, 45.073,
          "aze-geo-2022", "Wikipedia, Red Bridge (border)", True),
    Place("AZE-BOYUK-KESIK-RAIL", "Böyük Kəsik railway", "Böyük Kəsik", "GEO", "rail",
          41.430, 45.150,
          "aze-geo-2022", "estimate: across the border from Gardabani, about 10 km", False),
    Place("AZE-MAZIMQARA", "Mazımqara (Balakən)", "Mazımqara", "GEO", "road", 41.723, 46.392,
          "aze-geo-2022", "Wikipedia (ru), Balakən (town; crossing about 12 km north-west)", True),
    Place("AZE-SAMUR", "Samur", "Samur", "RUS", "road", 41.759, 48.578,
          "aze-rus-2019", "Wikipedia (ru), Yalama (village; Samur bridge about 10 km north)",
          True),
    Place("AZE-ASTARA", "Astara", "Astara", "IRN", "road", 38.456, 48.879,
          "aze-irn-2025", "Wikipedia (sco), Astara, Azerbaijan (town on the border river)",
          True),
    Place("AZE-BILASUVAR", "Biləsuvar", "Biləsuvar", "IRN", "road", 39.448, 48.543,
          "aze-irn-2025", "Wikipedia (ru), Bilasuvar (town on the border)", True),
    Place("AZE-CULFA", "Culfa", "Culfa", "IRN", "road", 38.956, 45.631,
          "aze-irn-2025", "Wikipedia (ru), Julfa, Azerbaijan (town at the Araks bridge)",
          True),
    Place("AZE-SAHTAXTI", "Şahtaxtı", "Şahtaxtı", "IRN", "road", 39.372, 45.096,
          "aze-irn-2025", "Wikipedia, Şahtaxtı (village)", True),
    Place("AZE-SADARAK", "Sədərək (Umut bridge)", "Sədərək", "TUR", "road", 39.718, 44.876,
          "aze-tur-2024", "Wikipedia, Sadarak (town; Umut bridge about 7 km west)", True),
    Place("AZE-BAKU-PORT", "Port of Baku (Ələt)", "Bakı Beynəlxalq Dəniz Ticarət Limanı", "",
          "sea", 39.949, 49.407,
          "aze-port-2018", "Wikipedia (ru), Alat (settlement)", True),
)
# fmt: on

SOURCES: tuple[tuple[str, str], ...] = (
    (
        "airportsdata",
        "airportsdata {version} (PyPI): name, ICAO and IATA codes, coordinates and IANA "
        "time zone of each airport; the airports listed are the international airports of "
        "the state (airportsdata names them so, or they have scheduled international "
        "flights).",
    ),
    (
        "gnta",
        "Georgian National Tourism Administration, *Customs* (georgia.travel, "
        "coming-to-georgia/customs): the 20 border checkpoints of Georgia — Tbilisi, Kutaisi "
        "and Batumi airports; Batumi and Poti ports; Sarpi, Vale, Kartsakhi, "
        "Kartsakhi–Akhalkalaki (rail), Kazbegi, Ninotsminda, Guguti, Akhkerpi, Sadakhlo "
        "(road and rail), Red Bridge, Mtkvari, Gardabani, Samtatskaro, Lagodekhi.",
    ),
    (
        "aze-geo-2022",
        "Agreement between the governments of Azerbaijan and Georgia on the checkpoints on "
        "their state border, bill before the Milli Majlis, reported by Trend and "
        "azvision.az, 11 March 2022: Böyük Kəsik–Gardabani (rail), Red Bridge–Red Bridge, "
        "Mazımqara–Tsodna (road, international); İpək Yolu–Abreshumis Gza (joint, planned); "
        "Sadıqlı–Vakhtangisi (interstate); Muğanlı–Samtatskaro (seasonal).",
    ),
    (
        "arm-gov-2011",
        "Government of Armenia, decision of 17 February 2011 to rebuild the three "
        "checkpoints on the border with Georgia, Bagratashen, Gogavan and Bavra (Vestnik "
        "Kavkaza, 18 February 2011; The Messenger, 21 February 2011); Bavra reopened "
        "modernised in October 2016 (Caucasus Watch).",
    ),
    (
        "wp-ayrum",
        "Wikipedia (ru), *Ayrum (station)*: the border station of the South Caucasus "
        "Railway, with border and customs control of trains to and from Georgia.",
    ),
    (
        "wp-agarak",
        "Wikipedia, *Agarak, Meghri*: the Agarak crossing (Meghri–Norduz) is Armenia's only "
        "crossing with Iran; also Mehr News, 20 August 2020.",
    ),
    (
        "aze-irn-2025",
        "Report.az, 4 November 2025, the ambassador of Iran: four checkpoints work on the "
        "Azerbaijan–Iran border, Astara, Biləsuvar, Culfa and Şahtaxtı–Poldasht (a fifth, "
        "Ağbənd–Kelaleh, is being built).",
    ),
    (
        "aze-tur-2024",
        "Azernews, 6 July 2024: Sədərək is Azerbaijan's only open land border with "
        "Türkiye, open 24 hours; Wikipedia, *Azerbaijan–Turkey border* (Umut bridge).",
    ),
    (
        "aze-rus-2019",
        "Today.az (Trend), 7 June 2019: the State Border Service's Samur customs and border "
        "checkpoint on the Azerbaijan–Russia border.",
    ),
    (
        "aze-port-2018",
        "Azerbaijan Railways (ady.az), 14 May 2018, and the Ministry of Transport: the Baku "
        "International Sea Trade Port opened at Ələt, with border and customs points and "
        "the ferries to Aktau and Türkmenbaşy.",
    ),
)


def airport_row(airport: Airport, by_icao: Mapping[str, Mapping[str, object]]) -> list[str]:
    """One CSV row for an airport, from airportsdata."""
    data = by_icao[airport.icao]
    if COUNTRY_OF.get(str(data["country"])) != airport.state:
        raise SystemExit(f"{airport.icao} is in {data['country']}, not {airport.state}")
    if data["tz"] != ZONES[airport.state]:
        raise SystemExit(f"{airport.icao} has time zone {data['tz']}")
    return [
        f"{airport.state}-{data['iata']}",
        airport.state,
        str(data["name"]),
        airport.name_local,
        "external",
        "",
        "air",
        f"{float(str(data['lat'])):.4f}",
        f"{float(str(data['lon'])):.4f}",
        str(data["tz"]),
        airport.source,
    ]


def place_row(place: Place) -> list[str]:
    """One CSV row for a land crossing or a sea port."""
    state = place.code[:3]
    kind = "internal" if place.border_with in MEMBERS else "external"
    return [
        place.code,
        state,
        place.name,
        place.name_local,
        kind,
        place.border_with,
        place.mode,
        f"{place.latitude:.3f}",
        f"{place.longitude:.3f}",
        ZONES[state],
        place.source,
    ]


def write_notes(rows: list[list[str]]) -> None:
    """Write the sources, the coordinate basis and the caveats beside the table."""
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        counts[(row[1], row[4])] = counts.get((row[1], row[4]), 0) + 1
    lines = [
        "# crossing_points.csv",
        "",
        f"Written by `tools/make_crossing_points.py`; {len(rows)} rows. Do not edit by hand: "
        "change the tool's table and run it again. Checked against the sources on "
        "2026-11-29.",
        "",
        "One row per crossing point *as one state runs it*: a two-sided land crossing "
        "(Sadakhlo–Bagratashen, Red Bridge) is two rows, one per side, each with its own "
        "code. `kind` is `internal` for a crossing into another member state, `external` "
        "otherwise; airports and sea ports are always `external` and have no `border_with`. "
        "`time_zone` is the IANA zone of the state (all three are UTC+4 without daylight "
        "saving today). Names in `name_local` (Georgian, Armenian, Azerbaijani) are ours.",
        "",
        "| state | external | internal |",
        "| --- | --- | --- |",
    ]
    for state in ("AZE", "ARM", "GEO"):
        external = counts.get((state, "external"), 0)
        internal = counts.get((state, "internal"), 0)
        lines.append(f"| {state} | {external} | {internal} |")
    lines += ["", "## Sources (`source` column)", ""]
    for source_id, text in SOURCES:
        lines.append(f"- `{source_id}`: {text.format(version=version('airportsdata'))}")
    lines += [
        "",
        "## Coordinates of land crossings and sea ports",
        "",
        "Airports: airportsdata (4 decimals). Land crossings and ports: 3 decimals, read "
        "from the page named below, mostly the settlement next to the crossing, so within "
        "a few kilometres of the booth. Rows marked *estimate* had no coordinates in any "
        "page we could cite; they are our estimate from the road the crossing is on and may "
        "be off by up to about 10 km. Replace them when an official position is at hand.",
        "",
        "| code | coordinates from | checked |",
        "| --- | --- | --- |",
    ]
    for place in PLACES:
        lines.append(f"| {place.code} | {place.where} | {'yes' if place.checked else 'no'} |")
    lines += ["", *CAVEATS]
    MD_PATH.write_text("\n".join(lines) + "\n", encoding="utf-8")


CAVEATS = (
    "## No crossing between Armenia and Azerbaijan",
    "",
    "The Armenia–Azerbaijan border has no open crossing point today (closed since the "
    "first Karabakh war; the Lachin checkpoint of 2023 is no crossing for travellers). The "
    "table therefore has no ARM–AZE row, and nothing in the code assumes one: the loader "
    "would accept an `ARM-…` row with `border_with` AZE as `internal` the day one opens. "
    "Nakhchivan is reached from the rest of Azerbaijan by air or through Iran.",
    "",
    "## Uncertain or left out",
    "",
    "- Azerbaijan's land crossings (all but Sədərək) have been closed to travellers "
    "entering the country since March 2020 under the special quarantine regime, "
    "prolonged again and again (Azernews, 6 July 2024; travellers' reports of August "
    "2025); freight passes, and travellers may leave. They are kept as crossing points: "
    "their status is policy, not geography.",
    "- Georgia: *Mtkvari* (customs point in Kvemo Kartli, on the gnta list) could not be "
    "placed or matched to an Azerbaijani side; *Samtatskaro–Muğanlı* is seasonal and "
    "*Vakhtangisi–Sadıqlı* interstate (citizens of the two states only) under the 2022 "
    "agreement: all three are left out. Mestia (Queen Tamar) and Ambrolauri airports have "
    "no international status we could cite and are not in airportsdata. Anaklia port is "
    "not built; Kulevi and Supsa are oil terminals. The crossings into Abkhazia and South "
    "Ossetia (Enguri, Gantiadi–Adler, Roki) are not border crossing points under Georgian "
    "law and are left out.",
    "- Armenia: the Margara crossing with Türkiye opened only briefly in 2023 (aid, "
    "diplomats) and is left out. Gogavan and Bavra positions are estimates.",
    "- Azerbaijan: Fuzuli (FZL, UBBF) is an international airport but is missing from "
    "airportsdata; Lachin (LHL) is in airportsdata with the coordinates of Zabrat airport "
    "near Baku, so both are left out until airportsdata has them right. The Yalama railway "
    "crossing and the Xanoba road post on the Russian border, the Culfa railway bridge and "
    "the planned Ağbənd crossing with Iran had no source we could cite as open crossing "
    "points and are left out. Samur, Mazımqara and Böyük Kəsik positions are approximate.",
    "- Kazbegi (Dariali) is the only working land crossing between Georgia and Russia "
    "(Sputnik Georgia, 11 January 2026); its position is an estimate.",
)


def main() -> None:
    """Regenerate the crossing point table and its notes."""
    by_icao = airportsdata.load("ICAO")
    rows = [airport_row(a, by_icao) for a in AIRPORTS] + [place_row(p) for p in PLACES]
    CSV_PATH.parent.mkdir(parents=True, exist_ok=True)
    with CSV_PATH.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    parse_crossing_points(CSV_PATH.read_text(encoding="utf-8"), file=str(CSV_PATH))
    write_notes(rows)
    print(f"wrote {len(rows)} rows to {CSV_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
