"""The demo node's alerts: a few in each script of the region (Azerbaijani Latin, Armenian,
Georgian, Russian Cyrillic), of different categories, some naming demo travellers, so that a
border check of their passport through a real ``cta serve`` shows the hit."""

from __future__ import annotations

import re
from pathlib import Path

from cta.bootstrap import build_node
from cta.policy.crossing_points import load_crossing_points
from cta.services.demo_data import seed_demo
from cta.settings import Settings
from tests.integration.node_server import NodeServer

SCRIPTS = {
    "Azerbaijani Latin": re.compile("[əğıöüçşƏĞİÖÜÇŞ]"),
    "Armenian": re.compile("[\u0531-\u0587]"),
    "Georgian": re.compile("[\u10d0-\u10ff]"),
    "Cyrillic": re.compile("[\u0400-\u04ff]"),
}


def test_the_demo_seeds_alerts_in_four_scripts_that_hit_demo_travellers(
    database_url: str, tmp_path: Path
) -> None:
    settings = Settings(state="AZE", database_url=database_url, alert_snapshot="off")  # type: ignore[arg-type]
    node = build_node(settings)
    try:
        users = seed_demo(node, travellers=60, seed=2031, first_number=10_000_000)
    finally:
        node.store.engine.dispose()  # type: ignore[attr-defined]
    assert len(users.alert_hits) == 4  # a traveller of AZE, ARM, GEO and RUS
    point = next(p.code for p in load_crossing_points().of_state("AZE") if p.is_external)
    snapshot = {"CTA_ALERT_SNAPSHOT": str(tmp_path / "alerts.index")}  # not in the worktree
    with NodeServer(database_url, tmp_path, state="AZE", env=snapshot) as server:
        with server.client(users.tokens["admin"], "demo test") as admin:
            alerts = admin.get("/v1/alerts").json()["items"]
        assert [a["id"] for a in alerts] == [f"AZE-DEMO-{n}" for n in range(1, 9)]
        assert len({a["category"] for a in alerts}) >= 5
        names = [str(a["record"]["names"]) for a in alerts]
        for script, letters in SCRIPTS.items():
            assert sum(bool(letters.search(n)) for n in names) >= 2, script
        with server.client(users.tokens["border_officer"], "demo test") as officer:
            for mrz in users.alert_hits:
                answer = officer.post("/v1/checks", json={
                    "mrz": list(mrz), "crossing_point": point, "direction": "entry"})
                assert answer.status_code == 200, answer.text
                hits = answer.json()["alert_hits"]
                assert hits and hits[0]["alert_id"].startswith("AZE-DEMO-"), mrz
                assert answer.json()["decision"] == "refer"
