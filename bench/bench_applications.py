"""Applications for the travel authorisation and the common visa, on a real node over HTTP.

``python -m bench applications`` (about 10 minutes at 2 M alerts; only when named). On SQLite
(``BENCH_APPS_DATABASES=postgresql`` or ``sqlite,postgresql`` for the others):

* the node holds ``BENCH_APPS_ALERTS`` person alerts (default 2,000,000, the screening
  benchmark's generator: names in four scripts) and a history imported with the use case of
  ``cta import crossings``: past travellers who came and left, travellers refused entry, and
  overstayers (an entry 130 days ago and no exit);
* ``BENCH_APPS_APPLICANTS`` applicants (default 3,000) apply, one after the other, with
  ``POST /v1/applications``. Nationalities are drawn in the proportions of the published
  arrivals the workbench uses (``cta/data/arrivals.csv``, the rows naming one nationality;
  members excluded, they do not apply); the route follows the regime (authorisation for a
  visa-exempt nationality, the visa otherwise). Classes (``SHARES``): strangers (no record,
  a clean answer sheet), returning travellers (a past stay, 20 %), 0.5 % who match an alert
  (the screening benchmark's positives: other romanisations, typos, OCR slips), 0.5 %
  refused entry before (recorded as an officer records a refusal), 0.5 % overstayers, 1 %
  answering "yes" to a background question. Everyone but the alert persons is drawn from the
  same name lists as the alerts and redrawn when an alert person has their surname, first
  given name and a compatible birth date (a true homonym, as ``bench.screen_data`` redraws
  its strangers); namesakes born on another day and near names stay.
  ``python -m bench.apps_hits`` says, without a node, why the screening hits each class.

Measured: the share decided automatically (ETIAS expects over 95 %; target ≥ 97 %), wrong
grants (an applicant who matches an alert, was refused entry or overstayed, granted without a
person looking: target none), per class; the latency of the decision through HTTP (the
answer of ``POST /v1/applications`` carries the status; if it is still ``processing`` the
client polls ``GET /v1/applications/{number}`` until it is not), p50/p99, beside the
baseline of a border check of the same passports (``POST /v1/checks``: the same screening
over the same alerts); and the same applications offered open loop at 50 a second (the
issue's bursts; 100,000 a day is 1.2 a second on average).
"""

from __future__ import annotations

import csv
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import console, percentile, table

__all__ = ["run"]

ALERTS = int(os.environ.get("BENCH_APPS_ALERTS", "2000000"))
APPLICANTS = int(os.environ.get("BENCH_APPS_APPLICANTS", "3000"))
DATABASES = os.environ.get("BENCH_APPS_DATABASES", "sqlite").split(",")
BURST_RATE = 50.0  # applications a second, open loop
BURST_SECONDS = float(os.environ.get("BENCH_APPS_BURST_SECONDS", "20"))
WORKERS = 2
POINT = "GEO-TBS"
TODAY = datetime.now(UTC).date()
MEMBERS = ("AZE", "ARM", "GEO")
# Shares of the applicants: a person of an alert, refused entry before, or an overstayer is
# rare among travellers (SIS hits are well under 1 % of checks; the three states' refusals of
# entry and overstays a fraction of a percent of entries), so 0.5 % each is generous; 1 %
# answer yes to a background question; a fifth have been to the area before.
SHARES = {"alert": 0.005, "refused before": 0.005, "overstayer": 0.005, "yes answer": 0.01,
          "returning": 0.20}  # the rest: strangers  # fmt: skip
DOUBTFUL = ("alert", "refused before", "overstayer", "yes answer")  # must reach a person


_LETTERS_OF_DIGITS = str.maketrans("018526", "OIBSZG")


@dataclass(frozen=True, slots=True)
class Applicant:
    number: int
    kind: str  # "authorization" or "visa"
    cls: str  # the class above
    fields: dict[str, Any]  # the passport's fields
    redrawn: int = 0  # true homonyms of alert persons drawn, and redrawn, before this one


def _arrival_weights() -> list[tuple[str, int]]:
    """Nationality -> visitors, summed over the three publications (one-nationality rows)."""
    from importlib.resources import files

    text = (files("cta.data") / "arrivals.csv").read_text(encoding="utf-8")
    weights: Counter[str] = Counter()
    for row in csv.DictReader(text.splitlines()):
        code = row["code"]
        if code == row["members"] and len(code) == 3 and code not in MEMBERS:
            weights[code] += int(row["visitors"])
    return sorted(weights.items())


def _route(nationality: str) -> str | None:
    from cta.domain.regime import Category
    from cta.policy.loader import load_regime

    category = load_regime("union-draft").as_if_on(TODAY).category_for(nationality)
    if category in (Category.FREE_MOVEMENT, Category.NO_ADMISSION, Category.VISA_EXEMPT):
        return None
    return "authorization" if category is Category.AUTHORIZATION else "visa"


def _passport(rng: random.Random, n: int, nationality: str, surname: str, given: str,
              birth: date, sex: str) -> dict[str, Any]:  # fmt: skip
    return {"issuing_state": nationality, "nationality": nationality, "surname": surname,
            "given_names": given, "document_number": f"A{n:08d}", "birth_date": birth,
            "sex": sex, "expiry_date": TODAY + timedelta(days=rng.randint(400, 3000))}  # fmt: skip


def applicants(count: int, alert_count: int, seed: int = 2027,
               persons: list[Any] | None = None) -> list[Applicant]:
    """The applicants, the same for the same seed and counts.

    Everyone not drawn as an alert person is redrawn while an alert person has their surname,
    first given name and a compatible birth date (unknown, the same year, the same day), as
    the screening benchmark's strangers are (``screen_data._is_homonym``): such a namesake is
    indistinguishable from the person on the alert, and a person must look whoever applies.
    A namesake with another birth date, or a near name, stays: the screening must tell them
    apart. ``Applicant.redrawn`` counts the homonyms redrawn. ``persons``: the alert persons,
    if the caller has generated them (``alert_persons(alert_count)``).
    """
    from bench.screen_data import (
        LOCALES,
        _fresh,
        _homonym_keys,
        _is_homonym,
        alert_persons,
        positive,
    )

    rng = random.Random(seed)
    weights = [(code, w) for code, w in _arrival_weights() if _route(code)]
    codes, counts = zip(*weights, strict=True)
    locales = {nat: loc for nat, loc, _ in LOCALES}
    every = alert_persons(alert_count) if persons is None else persons  # the node's alerts
    homonyms = _homonym_keys(every)
    sample = every[:200_000]
    people = [p for p in sample if p.alert_names and p.nationality not in MEMBERS
              and _route(p.nationality)]  # fmt: skip
    out: list[Applicant] = []
    redrawn = 0
    for n in range(count):
        roll, cls = rng.random(), "stranger"
        for name, share in SHARES.items():
            if roll < share:
                cls = name
                break
            roll -= share
        if cls == "alert" and people:
            # a passport prints letters: an OCR slip is the reader's, not the applicant's
            q = {k: v.translate(_LETTERS_OF_DIGITS) if isinstance(v, str) and k != "birth_date"
                 else v for k, v in positive(rng, rng.choice(people)).query.items()}
            nationality = q["nationality"]
            surname, given, sex = q["surname"], q["given_names"].replace(" ", "<"), q["sex"]
            birth = date.fromisoformat(q["birth_date"])
        else:
            nationality = rng.choices(codes, counts)[0]
            while True:
                stranger = _fresh(rng, nationality if nationality in locales else "USA")
                if not _is_homonym(stranger, homonyms):
                    break
                redrawn += 1
            q = stranger.query
            surname, given, sex = q["surname"], q["given_names"].replace(" ", "<"), q["sex"]
            birth = date.fromisoformat(q["birth_date"])
        nationality = "D" if nationality == "DEU" else nationality  # as an MRZ writes it
        fields = _passport(rng, n, nationality, surname, given, birth, sex)
        out.append(Applicant(n, _route(nationality) or "visa", cls, fields, redrawn))
        redrawn = 0
    return out


def _mrz(f: dict[str, Any]) -> list[str]:
    from cta.domain.documents import DocumentFields, DocumentType, generate_mrz

    return list(generate_mrz(DocumentFields(
        DocumentType.TD3, "P", f["issuing_state"], f["surname"], f["given_names"],
        f["document_number"], f["nationality"], f["birth_date"], f["sex"], f["expiry_date"],
    )))  # fmt: skip


def application(a: Applicant) -> dict[str, Any]:
    """The body of ``POST /v1/applications`` (the README's contract)."""
    yes = a.cls == "yes answer"
    body: dict[str, Any] = {
        "kind": a.kind, "mrz": _mrz(a.fields), "email": f"applicant{a.number}@example.org",
        "phone": f"+995555{a.number:06d}", "address": f"{a.number} Main Street, Springfield",
        "birth_place": "Springfield", "occupation": "engineer", "first_state": "GEO",
        "language": "en",
        "answers": {"convictions": yes, "conflict_zones": False, "removal_orders": False},
    }  # fmt: skip
    if a.kind == "visa":
        body |= {"purpose": "tourism", "arrival": (TODAY + timedelta(days=30)).isoformat(),
                 "departure": (TODAY + timedelta(days=44)).isoformat(), "entries": "1",
                 "duration_days": 15, "accommodation": "Hotel Rustaveli, Tbilisi",
                 "means_of_subsistence": "bank statement",
                 "travel_medical_insurance": True}  # fmt: skip
    return body


# -- the history on the node -------------------------------------------------------------------


def _history_file(path: Path, people: list[Applicant]) -> int:
    """Import lines: a past stay for returning travellers, a refusal, or an overstay."""
    lines = 0
    with path.open("w", encoding="utf-8") as out:
        for a in people:
            f = a.fields
            document = {
                "issuing_state": f["issuing_state"], "document_number": f["document_number"],
                "nationality": f["nationality"], "surname": f["surname"].replace("<", " "),
                "given_names": f["given_names"].replace("<", " "),
                "birth_date_raw": f["birth_date"].strftime("%y%m%d"), "sex": f["sex"],
                "expiry_date": f["expiry_date"].isoformat()}  # fmt: skip
            if a.cls == "returning":
                events = [("entry", 200, "admit"), ("exit", 190, "admit")]
            else:  # overstayer
                events = [("entry", 130, "admit")]
            for direction, days_ago, decision in events:
                day = TODAY - timedelta(days=days_ago)
                out.write(json.dumps({
                    "direction": direction, "crossing_point": POINT, "decision": decision,
                    "occurred_at": f"{day.isoformat()}T10:15:00+04:00", "officer": "officer.old",
                    "document": document}) + "\n")  # fmt: skip
                lines += 1
    return lines


def _refusals(url: str, people: list[Applicant]) -> None:
    """Each of ``people`` refused entry at GEO-TBS 60 days ago (no authorisation then), as an
    officer records it (``POST /v1/refusals``'s use case): import files hold crossings only."""
    from cta.bootstrap import build_node
    from cta.domain.checks import Direction
    from cta.domain.roles import Role
    from cta.services.node import Actor, RecordCrossing
    from cta.settings import Settings

    node = build_node(Settings(database_url=url, alert_snapshot="off"))
    officer = Actor("officer.bench", Role.BORDER_OFFICER, "benchmark")
    at = datetime.combine(TODAY - timedelta(days=60), datetime.min.time(), UTC)
    for a in people:
        node.record(officer, RecordCrossing(mrz=_mrz(a.fields), crossing_point=POINT,
                                            direction=Direction.ENTRY, occurred_at=at,
                                            refused=True))  # fmt: skip
    node.store.engine.dispose()  # type: ignore[attr-defined]


def _load_node(url: str, people: list[Applicant], folder: Path,
               persons: list[Any]) -> dict[str, float]:  # fmt: skip
    from bench.bench_node import _after_bulk_load, _alerts, import_file

    history = [a for a in people if a.cls in ("returning", "overstayer")]
    path = folder / "history.jsonl"
    _history_file(path, history)
    console.print(f"  importing the history of {len(history):,} applicants; refusals; "
                  f"putting {ALERTS:,} alerts")  # fmt: skip
    imported = import_file(url, path)
    _refusals(url, [a for a in people if a.cls == "refused before"])
    alert_seconds = _alerts(url, ALERTS, persons)
    return {"history_seconds": imported["seconds"], "alerts_seconds": alert_seconds,
            "vacuum_seconds": _after_bulk_load(url)}  # fmt: skip


# -- the client --------------------------------------------------------------------------------


_SHOWN: dict[int, int] = {}


def _decide(client: Any, body: dict[str, Any]) -> tuple[str, float]:
    """Submit; poll until decided or queued; the status and the seconds it took."""
    started = time.perf_counter()
    answer = client.post("/v1/applications", json=body,
                         headers={"Idempotency-Key": str(uuid.uuid4())})  # fmt: skip
    if answer.status_code != 201:
        if _SHOWN.setdefault(answer.status_code, 0) < 3:  # say why, a few times
            _SHOWN[answer.status_code] += 1
            console.print(f"  [dim]HTTP {answer.status_code}: {answer.text[:200]}[/]")
        return f"HTTP {answer.status_code}", time.perf_counter() - started
    data = answer.json()
    status = data["status"]
    while status == "processing" and time.perf_counter() - started < 30:
        time.sleep(0.01)
        got = client.get(f"/v1/applications/{data['number']}",
                         headers={"X-Access-Code": data["access_code"]})  # fmt: skip
        status = got.json().get("status", f"HTTP {got.status_code}")
    return status, time.perf_counter() - started


def _checks(client: Any, people: list[Applicant]) -> list[float]:
    took = []
    for a in people:
        started = time.perf_counter()
        client.post("/v1/checks", json={"mrz": _mrz(a.fields), "crossing_point": POINT,
                                        "direction": "entry"})  # fmt: skip
        took.append(time.perf_counter() - started)
    return sorted(took)


def _burst(base_url: str, people: list[Applicant]) -> dict[str, Any]:
    """Applications offered at ``BURST_RATE`` a second for ``BURST_SECONDS``, open loop:
    latency from when each was due (a node that falls behind is charged for it)."""
    import asyncio

    import httpx

    async def go() -> dict[str, Any]:
        took: list[float] = []
        statuses: Counter[str] = Counter()
        count = int(BURST_RATE * BURST_SECONDS)
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            started = time.perf_counter()

            async def one(i: int) -> None:
                due = started + i / BURST_RATE
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                a = people[i % len(people)]
                answer = await client.post("/v1/applications", json=application(a),
                                           headers={"Idempotency-Key": str(uuid.uuid4())})
                took.append(time.perf_counter() - due)
                statuses[str(answer.status_code)] += 1

            await asyncio.gather(*(one(i) for i in range(count)))
            seconds = time.perf_counter() - started
        took.sort()
        return {"offered_per_second": BURST_RATE, "requests": len(took),
                "per_second": len(took) / seconds, "p50_ms": percentile(took, 0.5) * 1e3,
                "p99_ms": percentile(took, 0.99) * 1e3, "statuses": dict(statuses)}  # fmt: skip

    return asyncio.run(go())


def _serve(url: str, people: list[Applicant], folder: Path) -> dict[str, Any]:
    import httpx

    sys.path.insert(0, str(Path(__file__).parent.parent))
    from tests.integration.node_server import NodeServer, add_user

    from cta.domain.roles import Role

    officer = add_user(url, "officer.bench", Role.BORDER_OFFICER)
    env = {"CTA_APPLICATIONS_PER_MINUTE": "1000000",  # one client sends them all
           "CTA_APPLICATION_READS_PER_MINUTE": "1000000"}  # and polls the slow ones
    server = NodeServer(url, folder / "server", workers=WORKERS, env=env)
    started = time.perf_counter()
    server.start(timeout=1800)  # each worker builds or maps the screening index of the alerts
    console.print(f"  the node answered after {time.perf_counter() - started:.0f} s")
    try:
        outcomes: dict[str, Counter[str]] = {}
        took: list[float] = []
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            for n, a in enumerate(people):
                status, seconds = _decide(client, application(a))
                outcomes.setdefault(f"{a.kind}/{a.cls}", Counter())[status] += 1
                took.append(seconds)
                if n % 500 == 499:
                    console.print(f"  {n + 1:,} applications")
        with httpx.Client(base_url=server.base_url, timeout=60,
                          headers={"Authorization": f"Bearer {officer}",
                                   "X-Purpose": "benchmark"}) as client:  # fmt: skip
            baseline = _checks(client, people[:1000])
        burst = _burst(server.base_url, people)
    finally:
        server.stop()
    took.sort()
    return {"outcomes": {k: dict(v) for k, v in sorted(outcomes.items())},
            "latency": {"p50_ms": percentile(took, 0.5) * 1e3,
                        "p99_ms": percentile(took, 0.99) * 1e3, "max_ms": took[-1] * 1e3},
            "check_baseline": {"p50_ms": percentile(baseline, 0.5) * 1e3,
                               "p99_ms": percentile(baseline, 0.99) * 1e3},
            "burst": burst}  # fmt: skip


def summary(outcomes: dict[str, dict[str, int]]) -> dict[str, Any]:
    """The share decided automatically and the wrong grants, over authorisation applications."""
    total = automatic = 0
    wrong: Counter[str] = Counter()
    for key, statuses in outcomes.items():
        kind, cls = key.split("/", 1)
        if kind != "authorization":
            continue
        for status, count in statuses.items():
            total += count
            automatic += count if status in ("granted", "refused") else 0
            if status == "granted" and cls in DOUBTFUL:
                wrong[cls] += count
    clean = sum(c for k, v in outcomes.items() if k.startswith("authorization/")
                and k.split("/", 1)[1] not in DOUBTFUL for c in v.values())  # fmt: skip
    clean_granted = sum(v.get("granted", 0) for k, v in outcomes.items()
                        if k.startswith("authorization/") and k.split("/", 1)[1] not in DOUBTFUL)
    return {"authorisations": total, "automatic": automatic,
            "automatic_share": automatic / total if total else 0.0,
            "clean": clean, "clean_granted_share": clean_granted / clean if clean else 0.0,
            "wrong_grants": dict(wrong)}  # fmt: skip


def _redrawn(people: list[Applicant]) -> dict[str, int]:
    """Per class, the true homonyms of alert persons drawn and redrawn (``applicants``)."""
    out: Counter[str] = Counter()
    for a in people:
        out[a.cls] += a.redrawn
    return dict(out)


def run() -> dict[str, Any]:
    """Every database named in turn; prints the tables and returns the figures."""
    from bench.bench_node import _database
    from bench.screen_data import alert_persons

    persons = alert_persons(ALERTS)  # once: the applicants' homonyms and the node's alerts
    people = applicants(APPLICANTS, ALERTS, persons=persons)
    results: dict[str, Any] = {"alerts": ALERTS, "applicants": APPLICANTS, "workers": WORKERS,
                               "classes": dict(Counter(a.cls for a in people)),
                               "homonyms_redrawn": _redrawn(people),
                               "kinds": dict(Counter(a.kind for a in people))}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="cta-bench-apps-") as tmp:
        for kind in DATABASES:
            folder = Path(tmp) / kind
            folder.mkdir()
            with _database(kind, folder) as url:
                console.print(f"[bold]{kind}[/]: {APPLICANTS:,} applicants, {ALERTS:,} alerts")
                result = _load_node(url, people, folder, persons)
                result |= _serve(url, people, folder)
                result["summary"] = summary(result["outcomes"])
                results[kind] = result
    _print(results)
    return results


def _print(results: dict[str, Any]) -> None:
    for kind in DATABASES:
        r = results[kind]
        s = r["summary"]
        out = table(f"applications on {kind}: {results['applicants']:,} applicants, "
                    f"{results['alerts']:,} alerts, {WORKERS} workers",
                    "measure", "ours", "baseline", "ratio", "target")  # fmt: skip
        out.add_row("decided automatically (authorisations)",
                    f"{s['automatic_share']:.1%} of {s['authorisations']:,}", "", "", "≥ 97 %")
        out.add_row("granted at once, of those with nothing against them",
                    f"{s['clean_granted_share']:.1%} of {s['clean']:,}", "", "", "")
        out.add_row("wrong grants", str(sum(s["wrong_grants"].values()) or "none")
                    + (f" {s['wrong_grants']}" if s["wrong_grants"] else ""), "", "", "none")
        lat, base = r["latency"], r["check_baseline"]
        out.add_row("decision latency p50 / p99",
                    f"{lat['p50_ms']:.1f} / {lat['p99_ms']:.1f} ms",
                    f"check {base['p50_ms']:.1f} / {base['p99_ms']:.1f} ms",
                    f"{lat['p99_ms'] / base['p99_ms']:.1f}× at p99", "p99 < 200 ms")
        b = r["burst"]
        out.add_row(f"{b['offered_per_second']:.0f}/s offered for {BURST_SECONDS:.0f} s",
                    f"{b['per_second']:.1f}/s, p99 {b['p99_ms']:.0f} ms {b['statuses']}",
                    "", "", "keeps up")
        console.print(out)
        for key, statuses in r["outcomes"].items():
            console.print(f"  {key}: {statuses}")
    drawn = (sum(n for cls, n in results["classes"].items() if cls != "alert")
             + sum(results["homonyms_redrawn"].values()))  # fmt: skip
    console.print(f"  true homonyms of alert persons redrawn: {results['homonyms_redrawn']} "
                  f"({sum(results['homonyms_redrawn'].values()) / drawn:.1%} of the draws)")
    console.print(f"[dim]one pass of {results['applicants']:,} applications: percentiles "
                  "over all of them, not medians of repeats[/]")
