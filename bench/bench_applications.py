"""Applications for a travel authorisation through a real ``cta serve`` (issue 12).

A SQLite node with ``BENCH_APPS_ALERTS`` person alerts (default 100,000; the screening
benchmark's generator, ``bench.screen_data``) takes ``BENCH_APPS_COUNT`` applications (default
2,000) one after another over HTTP: visa-exempt applicants of the alert set's nationalities
that need an authorisation, ``POSITIVE`` of them alert persons as their own passport prints
them, 2 % answering yes to a background question, the rest strangers. Measured: each
submission's latency (p50, p99), the share decided automatically, and the wrong grants (an
alert person granted). Past refusals and overstays are not in this population.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.common import console, percentile, table

__all__ = ["run"]

ALERTS = int(os.environ.get("BENCH_APPS_ALERTS", "100000"))
COUNT = int(os.environ.get("BENCH_APPS_COUNT", "2000"))
POSITIVE = 0.03
YES = 0.02
SEED = 2018_1240
NO = {"convictions": False, "conflict_zones": False, "removal_orders": False}
ROUTE = ("USA", "D", "FRA", "ITA", "GBR", "IRL", "UKR")  # the generator's authorisation route
SURNAMES = ("HOLLOWAY", "KERRIGAN", "ABERNATHY", "LINDQVIST", "MARCHETTI", "DUBOIS", "OKAFOR",
            "BRANDT", "NAKAMURA", "FITZGERALD", "SOKOLOV", "VANCE")  # fmt: skip
GIVEN = ("ALICE", "BRUNO", "CLARA", "DMYTRO", "EMMA", "FINN", "GRETA", "HUGO", "IRIS", "JONAS")


def _passport(nationality: str, surname: list[str], given: list[str], born: date) -> list[str]:
    from cta.domain.documents import DocumentFields, DocumentType, generate_mrz

    fields = DocumentFields(
        type=DocumentType.TD3, document_code="P", issuing_state=nationality,
        surname=" ".join(surname), given_names=" ".join(given),
        document_number=uuid.uuid4().hex[:9].upper(), nationality=nationality,
        birth_date=born, sex="F", expiry_date=date.today() + timedelta(days=5 * 365))  # fmt: skip
    return list(generate_mrz(fields))


def _population(persons: list[Any]) -> list[tuple[dict[str, Any], bool]]:
    """(the application, whether its applicant is an alert person)."""
    from bench.screen_data import _passport_names

    rng = random.Random(SEED)
    on_route = [p for p in persons if p.nationality in ROUTE and p.birth_known == "full"
                and p.alert_names]  # fmt: skip
    out = []
    for _ in range(COUNT):
        if on_route and rng.random() < POSITIVE:
            person = rng.choice(on_route)
            surname, given, _ = _passport_names(person)
            mrz = _passport(person.nationality, surname, given, date(*person.birth))
            alerted = True
        else:
            born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
            mrz = _passport(rng.choice(ROUTE), [rng.choice(SURNAMES) + rng.choice("ABCDEFGH")],
                            [rng.choice(GIVEN)], born)  # fmt: skip
            alerted = False
        answers = NO | ({"convictions": True} if rng.random() < YES else {})
        out.append(({"kind": "authorization", "mrz": mrz, "email": "a@example.org",
                     "phone": "+1 555 0100", "address": "1 Main Street", "birth_place": "X",
                     "occupation": "engineer", "first_state": "GEO", "language": "en",
                     "answers": answers}, alerted))  # fmt: skip
    return out


def run() -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).parent.parent))
    import httpx
    from tests.integration.node_server import NodeServer

    from bench.bench_node import _alerts
    from bench.screen_data import alert_persons

    with tempfile.TemporaryDirectory(prefix="cta-bench-apps-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'node.sqlite'}"
        NodeServer(url, Path(tmp)).start().stop()  # --init: the database
        seconds = _alerts(url, ALERTS)
        population = _population(alert_persons(ALERTS))
        latencies, statuses = [], []
        with NodeServer(url, Path(tmp)) as server, httpx.Client(base_url=server.base_url,
                                                                timeout=60) as client:
            for body, _ in population[:20]:  # warm-up
                client.post("/v1/applications", json=body,
                            headers={"Idempotency-Key": uuid.uuid4().hex})
            for body, _ in population[20:]:
                started = time.perf_counter()
                answer = client.post("/v1/applications", json=body,
                                     headers={"Idempotency-Key": uuid.uuid4().hex})
                latencies.append(time.perf_counter() - started)
                statuses.append(answer.json().get("status", str(answer.status_code)))
    measured = population[20:]
    granted = [s == "granted" for s in statuses]
    wrong = sum(1 for g, (_, alerted) in zip(granted, measured, strict=True) if g and alerted)
    latencies.sort()
    result = {"alerts": ALERTS, "alerts_seconds": round(seconds, 1),
              "applications": len(measured),
              "alert_persons": sum(a for _, a in measured),
              "automatic_share": round(sum(granted) / len(granted), 4),
              "wrong_grants": wrong,
              "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
              "p99_ms": round(percentile(latencies, 0.99) * 1000, 1)}  # fmt: skip
    out = table("Applications: automatic decisions through HTTP (SQLite, one client)",
                *result)  # fmt: skip
    out.add_row(*(str(v) for v in result.values()))
    console.print(out)
    return result
