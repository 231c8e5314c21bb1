"""Three federated nodes, real processes, on SQLite and PostgreSQL: a reintroduction of
internal checks declared at GEO is known at AZE and ARM, and so are its prolongation and its
end; it checks at GEO's point only, never at ARM's facing one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from cta.domain.roles import Role
from tests.integration.area import Member, area_on, wait_until
from tests.integration.node_server import (
    BOTH_DATABASES,
    add_user,
    node_today,
    passport,
)

DAY = timedelta(days=1)


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def nodes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Member]]:
    yield from area_on(request, tmp_path_factory, "internal")


def known(node: Member, ref: str) -> dict[str, Any] | None:
    listed = node.get("/v1/internal-checks")["internal_checks"]
    return next((r for r in listed if r["id"] == ref), None)


def test_a_reintroduction_declared_at_geo_is_known_at_aze_and_arm(
    nodes: dict[str, Member],
) -> None:
    geo = nodes["GEO"]
    admin = add_user(geo.url, "admin.geo", Role.ADMIN)
    with geo.server.client(admin, "internal border checks") as client:
        declared = client.post("/v1/internal-checks", json={
            "crossing_points": ["GEO-SADAKHLO", "GEO-SADAKHLO-RAIL"],
            "from": node_today().isoformat(), "to": (node_today() + 29 * DAY).isoformat(),
            "ground": "a serious threat to internal security"})
        assert declared.status_code == 201, declared.text
        ref = declared.json()["id"]
        for state in ("AZE", "ARM"):
            wait_until(lambda s=state: known(nodes[s], ref) is not None,  # type: ignore[misc]
                       what=f"{state} knows GEO's reintroduction")
            seen = known(nodes[state], ref)
            assert seen is not None
            assert (seen["state"], seen["status"], seen["crossing_points"]) == (
                "GEO", "in_force", ["GEO-SADAKHLO", "GEO-SADAKHLO-RAIL"])
            # its kind (the regime's, named or not) travels with it, within the limits
            assert (seen["kind"], seen["beyond_limits"]) == (declared.json()["kind"], None)
        prolonged = client.post(f"/v1/internal-checks/{ref}/prolong", json={
            "to": (node_today() + 45 * DAY).isoformat(), "ground": "the threat persists"})
        assert prolonged.status_code == 200, prolonged.text
        wait_until(lambda: all((known(nodes[s], ref) or {}).get("until") ==
                               (node_today() + 45 * DAY).isoformat() for s in ("AZE", "ARM")),
                   what="the prolongation is known at AZE and ARM")  # fmt: skip
        checked = geo.post("/v1/checks", {"mrz": passport("USA"),
                                          "crossing_point": "GEO-SADAKHLO", "direction": "entry"})
        assert checked.status_code == 200 and checked.json()["internal_check"]["id"] == ref
        # ARM's side of the same crossing is not checked: GEO declared for its own points
        facing = nodes["ARM"].post("/v1/checks", {"mrz": passport("USA"),
                                                  "crossing_point": "ARM-BAGRATASHEN",
                                                  "direction": "entry"})  # fmt: skip
        assert facing.status_code == 422, facing.text
        # ARM cannot end GEO's
        arm_admin = add_user(nodes["ARM"].url, "admin.arm", Role.ADMIN)
        with nodes["ARM"].server.client(arm_admin, "internal border checks") as arm:
            assert arm.post(f"/v1/internal-checks/{ref}/end").status_code == 422
        assert client.post(f"/v1/internal-checks/{ref}/end").status_code == 200
        wait_until(lambda: all((known(nodes[s], ref) or {}).get("status") == "ended"
                               for s in ("AZE", "ARM")),
                   what="the end is known at AZE and ARM")  # fmt: skip
