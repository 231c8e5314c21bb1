"""Why the screening sends applicants to a consul: alert hits per class and per reason.

``python -m bench.apps_hits`` screens the applications benchmark's applicants
(``bench_applications.applicants``, read from their MRZ as the node reads them) against an
in-process index of the same alerts (``BENCH_APPS_ALERTS``, default 200,000), with no node and
no HTTP: minutes, not half an hour. Each hit is put in one class by what tells the applicant
and the alert person apart (or does not):

* ``true homonym``: the alert person's surname and first given name as their passport prints
  them, and a birth date the alert does not contradict (unknown, the same year when only the
  year is known, the same day) -- nobody can tell them apart without a person looking;
* ``same names, birth date differs (<how>)``: the same names, the alert's birth date known and
  not the applicant's (one digit apart, day and month swapped, or simply another date);
* ``similar names, ...``: a name score under 1 (a near surname, a shared surname and a near
  given name) with the same split on the birth date, and whether the alert's surname is one
  of the generator's rarer ones (a letter of a listed surname changed, ``screen_data._rarer``).

Printed: per class of applicant, how many were hit, and per reason, how many applicants had
a hit of that reason as their most excusable one (a true homonym first).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections import Counter, defaultdict
from typing import Any

from bench.bench_applications import DOUBTFUL, TODAY, Applicant, _mrz, applicants
from bench.common import console
from bench.screen_data import Person, _passport_names, _pools, alert_line, alert_persons

__all__ = ["classify", "main", "screen_applicants"]

ALERTS = int(os.environ.get("BENCH_APPS_ALERTS", "200000"))
APPLICANTS = int(os.environ.get("BENCH_APPS_APPLICANTS", "1500"))
_NAMES = re.compile(r"names match \((\d\.\d\d)\)")
_ORDER = ("true homonym", "same names", "similar names")


def _birth_relation(person: Person, birth: tuple[int, int, int]) -> str:
    """How the alert's birth date compares with the applicant's."""
    year, month, day = person.birth
    if person.birth_known == "none":
        return "alert has no birth date"
    if person.birth_known == "year":
        return "alert has the same year only" if year == birth[0] else "alert's year differs"
    if (year, month, day) == birth:
        return "same birth date"
    digits = sum(a != b for a, b in zip(f"{year:04d}{month:02d}{day:02d}",
                                       "{:04d}{:02d}{:02d}".format(*birth), strict=True))
    if (year, day, month) == birth:
        return "alert's date has day and month swapped"
    if digits == 1:
        return "alert's date one digit apart"
    parts = [name for name, a, b in (("year", year, birth[0]), ("month", month, birth[1]),
                                     ("day", day, birth[2])) if a != b]  # fmt: skip
    return "alert's " + "+".join(parts) + " differs"


def classify(a: Applicant, person: Person, reasons: tuple[str, ...]) -> str:
    """The reason class of one hit (see the module's docstring)."""
    f = a.fields
    birth = (f["birth_date"].year, f["birth_date"].month, f["birth_date"].day)
    return _classify(f["surname"], f["given_names"].split("<")[0], birth, person, reasons)


def _classify(surname_text: str, first_given: str, birth: tuple[int, int, int], person: Person,
              reasons: tuple[str, ...]) -> str:  # fmt: skip
    surname, given, _ = _passport_names(person)
    same = (surname_text, first_given) == ("<".join(surname), given[0] if given else "")
    scored = next((m for m in map(_NAMES.search, reasons) if m), None)
    score = float(scored.group(1)) if scored else 0.0
    relation = _birth_relation(person, birth)
    if same or score >= 1.0:
        if relation in ("alert has no birth date", "alert has the same year only",
                        "same birth date"):
            return f"true homonym ({relation})"
        return f"same names, {relation}"
    listed = set(_pools(person.locale)[f"surname_{person.sex}"])
    made = "" if all(part in listed for part in person.surname.split("-")) else (
        ", the alert's surname one of the generator's made-up rarer ones")
    return f"similar names ({score:.2f}), {relation}{made}"


def screen_applicants(alert_count: int, applicant_count: int) -> dict[str, Any]:
    """Hits per class of applicant and per reason, and the applicants' samples per reason."""
    from cta.domain.screening import ScreeningIndex, alert_from_json
    from cta.policy.countries import load_countries
    from cta.services.alerts import query_of_document
    from cta.services.checks import read_document

    started = time.perf_counter()
    persons = alert_persons(alert_count)
    index = ScreeningIndex.build(alert_from_json(alert_line(p) | {"issuing_state": "GEO"})
                                 for p in persons)  # fmt: skip
    by_id = {alert_line(p)["id"]: p for p in persons}
    people = applicants(applicant_count, alert_count, persons=persons)
    console.print(f"  {alert_count:,} alerts indexed, {len(people):,} applicants "
                  f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
    countries = load_countries()
    classes: Counter[str] = Counter(a.cls for a in people)
    hit: Counter[str] = Counter()
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    samples: dict[str, list[str]] = defaultdict(list)
    authorisations = clear = 0
    for a in people:
        document = read_document(_mrz(a.fields), on=TODAY, countries=countries)
        hits = index.screen(query_of_document(document), TODAY)
        if a.kind == "authorization":
            authorisations += 1
            clear += not hits and a.cls not in DOUBTFUL
        if not hits:
            continue
        hit[a.cls] += 1
        kinds = [classify(a, by_id[h.alert_id], h.reasons) for h in hits]
        kind = min(kinds, key=lambda k: next(i for i, o in enumerate(_ORDER) if k.startswith(o)))
        reasons[a.cls][kind] += 1
        if len(samples[kind]) < 3:
            h = hits[kinds.index(kind)]
            samples[kind].append(f"{a.fields['surname']} {a.fields['given_names']} "
                                 f"{a.fields['birth_date']} / {h.alert_id} "
                                 f"{alert_line(by_id[h.alert_id])['names']} "
                                 f"{alert_line(by_id[h.alert_id])['birth_date']}: {h.score}")
    redrawn: Counter[str] = Counter()
    for a in people:
        redrawn[a.cls] += a.redrawn
    return {"alerts": alert_count, "applicants": applicant_count, "classes": dict(classes),
            "redrawn": dict(redrawn), "authorisations": authorisations,
            "authorisations_clear": clear,
            "hit": dict(hit), "reasons": {k: dict(v.most_common()) for k, v in reasons.items()},
            "samples": dict(samples)}  # fmt: skip


def positives_by_reason(alert_count: int, count: int) -> dict[str, Any]:
    """The screening benchmark's travellers on an alert (``screen_data.travellers``, the
    positives only), by the class of the hit on their own alert: what a rule that let a
    class of hits through would cost in recall (a positive found only through such a hit)."""
    from bench.screen_data import travellers
    from cta.domain.screening import ScreeningIndex, alert_from_json, query_from_json

    persons = alert_persons(alert_count)
    index = ScreeningIndex.build(alert_from_json(alert_line(p)) for p in persons)
    by_id = {alert_line(p)["id"]: p for p in persons}
    found: Counter[str] = Counter()
    positives = missed = 0
    for t in travellers(persons, count):
        if t.expected is None or t.kind != "positive":
            continue
        positives += 1
        hits = {h.alert_id: h for h in index.screen(query_from_json(t.query), limit=20)}
        hit = hits.get(t.expected)
        if hit is None:
            missed += 1
            continue
        q = t.query
        birth = tuple(int(x) for x in q["birth_date"].split("-"))
        kind = _classify(q["surname"], q["given_names"].split(" ")[0], birth,  # type: ignore[arg-type]
                         by_id[t.expected], hit.reasons)
        found[re.sub(r" \(\d\.\d\d\)", "", kind)] += 1
    return {"alerts": alert_count, "positives": positives, "missed": missed,
            "found": dict(found.most_common())}


def main() -> None:
    if "--positives" in sys.argv:
        got = positives_by_reason(int(os.environ.get("BENCH_SCREEN_QUALITY_ALERTS", "20000")),
                                  int(os.environ.get("BENCH_SCREEN_TRAVELLERS", "10000")))
        console.print(f"{got['positives']:,} positives against {got['alerts']:,} alerts, "
                      f"{got['missed']} missed; found by a hit of class:")
        for reason, n in got["found"].items():
            console.print(f"    {n:5d}  {reason}")
        return
    result = screen_applicants(ALERTS, APPLICANTS)
    for cls, count in sorted(result["classes"].items()):
        got = result["hit"].get(cls, 0)
        console.print(f"[bold]{cls}[/]: {got} of {count} hit ({got / count:.1%}); "
                      f"{result['redrawn'].get(cls, 0)} true homonyms redrawn")
        for reason, n in result["reasons"].get(cls, {}).items():
            console.print(f"    {n:5d}  {reason}")
    clear, total = result["authorisations_clear"], result["authorisations"]
    console.print(f"authorisation applications with nothing against them (no hit, not refused "
                  f"before, no overstay, no yes): {clear} of {total} ({clear / total:.1%}): "
                  "the share the node decides at once")  # fmt: skip
    if "-v" in sys.argv:
        for reason, lines in sorted(result["samples"].items()):
            console.print(f"[dim]{reason}[/]")
            for line in lines:
                console.print(f"    {line}")


if __name__ == "__main__":
    main()
