"""The nodes' transport: TLS with pinned certificates, real ``cta serve`` processes on loopback.

Records carry personal data, so nodes pull each other's records over HTTPS and accept a peer
only with the certificate its federation entry pins; a plain ``http://`` peer is refused unless
the federation file allows it for local development.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cta.adapters.storage import tables as t
from cta.domain.roles import Role
from cta.federation.keys import generate_private_key, key_files, public_key_text, write_key_pair
from cta.federation.members import load_federation, member_snippet
from cta.federation.tls import default_hosts, make_certificate, tls_files, write_tls_files
from tests.integration.area import (
    POINT,
    Member,
    area_on,
    heads,
    in_sync,
    read_rows,
    wait_until,
)
from tests.integration.node_server import (
    BOTH_DATABASES,
    CTA,
    NodeServer,
    add_user,
    free_port,
    passport,
)


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def nodes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Member]]:
    yield from area_on(request, tmp_path_factory, "tls")


def status(node: Member) -> dict[str, dict[str, Any]]:
    """``cta federation status --json`` of the node, per origin."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
    env |= {"CTA_DATABASE_URL": node.url, "CTA_STATE": node.state}
    done = subprocess.run([sys.executable, "-m", "cta", "federation", "status", "--json"],
                          env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return {row["origin"]: row for row in json.loads(done.stdout)["origins"]}


def last_error(node: Member, peer: str) -> str | None:
    """The last error of the node's sync loop with ``peer``, read from its database (what
    ``cta federation status`` shows)."""
    column = t.peer_status.c
    rows = read_rows(node, select(column.last_error).where(column.peer == peer))
    return rows[0][0] if rows else None


def cross(node: Member) -> None:
    response = node.post("/v1/crossings", {"mrz": passport("USA"), "direction": "entry",
                                           "crossing_point": POINT[node.state],
                                           "override_reason": "test"})  # fmt: skip
    assert response.status_code == 201, response.text


def test_the_nodes_pull_each_others_records_over_tls(nodes: dict[str, Member]) -> None:
    for node in nodes.values():
        assert node.server.base_url.startswith("https://")
        cross(node)
    wait_until(lambda: in_sync(nodes), what="every node holds every record, pulled over TLS")
    rows = status(nodes["GEO"])
    assert rows["ARM"]["lag"] == 0 and rows["AZE"]["lag"] == 0
    with pytest.raises(httpx.HTTPError):  # the node speaks TLS only
        httpx.get(nodes["GEO"].server.base_url.replace("https:", "http:") + "/v1/health",
                  timeout=10)  # fmt: skip


def test_a_peer_presenting_another_certificate_is_refused(nodes: dict[str, Member]) -> None:
    """ARM comes back with a certificate the others' federation files do not pin (its own file
    says the new one, as after a rotation nobody was told of, or an impostor at its address):
    GEO and AZE refuse it at the handshake, say why in their status, and store nothing of it
    until ARM presents its pinned certificate again."""
    arm = nodes["ARM"]
    wait_until(lambda: in_sync(nodes), what="the area in step first")
    workdir = arm.server.workdir.parent
    files, own_file = tls_files(workdir / "keys", "ARM"), workdir / "federation-ARM.toml"
    saved = workdir / "saved-tls"
    saved.mkdir()
    for path in (files.key, files.certificate, own_file):
        shutil.copy2(path, saved / path.name)
    held = {state: heads(node).get("ARM", 0) for state, node in nodes.items()}
    arm.server.stop()
    old_pin = load_federation(own_file).tls_pin("ARM")
    assert old_pin is not None
    new_pin = write_tls_files(*make_certificate("ARM", default_hosts("127.0.0.1")), files,
                              force=True)  # fmt: skip
    own_file.write_text(own_file.read_text().replace(old_pin, new_pin))
    try:
        arm.server.start()
        cross(arm)  # ARM records a crossing its peers must not get from an unpinned ARM

        def refused(state: str) -> bool:  # each status() is a new Python process: look directly
            error = last_error(nodes[state], "ARM")
            return "TLS certificate mismatch" in (error or "")

        wait_until(lambda: refused("GEO") and refused("AZE"), 120, "the peers refuse ARM")
        assert "TLS certificate mismatch" in status(nodes["AZE"])["ARM"]["last_error"]
        row = status(nodes["GEO"])["ARM"]
        assert new_pin in row["last_error"] and old_pin in row["last_error"]
        assert row["failures"] >= 1 and row["last_error_at"] is not None
        assert heads(arm)["ARM"] == held["ARM"] + 1
        assert heads(nodes["GEO"]).get("ARM", 0) == held["GEO"]
        assert heads(nodes["AZE"]).get("ARM", 0) == held["AZE"]
    finally:
        arm.server.stop()
        for path in (files.key, files.certificate, own_file):
            shutil.copy2(saved / path.name, path)
        arm.server.start()
    wait_until(lambda: in_sync(nodes), 120, "ARM with its pinned certificate pulled again")
    assert status(nodes["GEO"])["ARM"]["failures"] == 0


# -- loading: plain http refused unless allowed; a node whose certificate is not its pin ----


def single_node(tmp_path: Path, endpoint: str, *, pin: str | None = None,
                extra: str = "") -> tuple[NodeServer, Path]:  # fmt: skip
    """A node GEO with its keys and a federation file listing it and ARM at ``endpoint``'s
    scheme; not started."""
    keys = tmp_path / "keys"
    since = datetime.now(UTC) - timedelta(days=1)
    members = []
    port = free_port()
    for state in ("ARM", "GEO"):
        key = generate_private_key()
        write_key_pair(key, key_files(keys, state))
        made = write_tls_files(*make_certificate(state, default_hosts("127.0.0.1")),
                               tls_files(keys, state))  # fmt: skip
        url = f"{endpoint}://127.0.0.1:{port if state == 'GEO' else free_port()}"
        text = member_snippet(state, public_key_text(key), url, since,
                              (pin or made) if endpoint == "https" else None)  # fmt: skip
        members.append(text)
    file = tmp_path / "federation-GEO.toml"
    file.write_text(f'node = "GEO"\n{extra}\n' + "\n".join(members), encoding="utf-8")
    database = f"sqlite:///{tmp_path / 'geo.sqlite'}"
    add_user(database, "admin.geo", Role.ADMIN)  # the database, made as an operator makes it
    server = NodeServer(database, tmp_path / "GEO", state="GEO", port=port, fixed_port=True,
                        env={"CTA_FEDERATION_FILE": str(file), "CTA_KEYS_DIR": str(keys)},
                        tls=tls_files(keys, "GEO").certificate if endpoint == "https" else None)
    return server, file


def serve_refused(server: NodeServer) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
    env |= {"CTA_DATABASE_URL": server.database_url, "CTA_STATE": "GEO",
            "CTA_PORT": str(server.port)} | server.env  # fmt: skip
    server.workdir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([str(CTA), "serve"], env=env, cwd=server.workdir, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode != 0
    return done


def test_a_plain_http_peer_is_refused_unless_the_file_allows_it(tmp_path: Path) -> None:
    server, file = single_node(tmp_path / "plain", "http")
    done = serve_refused(server)
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert f"{file}:" in done.stderr and "member ARM" in done.stderr  # file, line, member
    assert "plain http" in done.stderr and "allow_plain_http = true" in done.stderr
    allowed, _ = single_node(tmp_path / "allowed", "http", extra="allow_plain_http = true")
    with allowed:  # local development: it starts, and serves plain http
        assert allowed.base_url.startswith("http://")
        assert httpx.get(f"{allowed.base_url}/v1/health", timeout=10).status_code == 200


def test_a_node_whose_certificate_is_not_its_pin_does_not_start(tmp_path: Path) -> None:
    server, _ = single_node(tmp_path, "https", pin="ab" * 32)
    done = serve_refused(server)
    assert "peers would refuse this node" in done.stderr and "ab" * 32 in done.stderr
    pinned, _ = single_node(tmp_path / "pinned", "https")
    with pinned, pinned.client() as client:
        assert client.get("/v1/health").status_code == 200


def test_a_node_serving_tls_offers_only_aead_suites_in_tls_1_2_and_says_hsts(
    tmp_path: Path,
) -> None:
    """A node serving HTTPS itself refuses TLS 1.2's CBC suites (Mozilla's intermediate
    profile: ECDHE with AES-GCM or ChaCha20) and tells browsers to keep to HTTPS (the sweep
    of session 17 found ECDHE-ECDSA-AES128-SHA256 taken, and no HSTS)."""
    import socket
    import ssl

    server, _ = single_node(tmp_path, "https")
    with server:
        def handshake(ciphers: str) -> str | None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_2
            context.set_ciphers(ciphers)
            try:
                with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw, \
                        context.wrap_socket(raw) as tls:  # fmt: skip
                    found = tls.cipher()
                    return found[0] if found else None
            except ssl.SSLError:
                return None

        assert handshake("ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384") is None
        assert handshake("ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA") is None
        assert handshake("ECDHE-ECDSA-AES128-GCM-SHA256") == "ECDHE-ECDSA-AES128-GCM-SHA256"
        assert handshake("ECDHE-ECDSA-CHACHA20-POLY1305") == "ECDHE-ECDSA-CHACHA20-POLY1305"
        with server.client(purpose=None) as client:
            answer = client.get("/v1/health")
        assert answer.headers["strict-transport-security"] == "max-age=31536000"
