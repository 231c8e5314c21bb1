"""``cta area --demo``: three federated nodes on one machine, demo traffic, a clean stop.

The real command in a subprocess, on ports of its own, as ``make run`` starts it: each node's
``cta federation status --json`` comes to list the other two nodes' records, and SIGINT (Ctrl-C)
or SIGTERM ends the command and its three ``cta serve`` processes. The nodes serve HTTPS with
the certificates the area made, which their federation files pin (no plain http).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cta.federation.members import load_federation
from cta.federation.tls import certificate_context, load_certificate_fingerprint
from tests.ports import free_port

CTA = Path(sys.executable).parent / "cta"
STATES = ("AZE", "ARM", "GEO")


def free_ports(count: int) -> list[int]:
    return [free_port() for _ in range(count)]


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}


def federation_status(directory: Path, state: str) -> dict[str, int]:
    """Per origin, the last record the node holds, as ``cta federation status --json`` says."""
    database = directory / f"{state}.sqlite"
    env = environment() | {"CTA_STATE": state, "CTA_DATABASE_URL": f"sqlite:///{database}"}
    done = subprocess.run([str(CTA), "federation", "status", "--json"], env=env,
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return {row["origin"]: row["last_seq"] for row in json.loads(done.stdout)["origins"]}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class Area:
    """``cta area --json`` running in a subprocess (``--demo`` unless ``demo`` is false)."""

    def __init__(self, directory: Path, ports: list[int] | None = None, demo: bool = True) -> None:
        self.directory = directory
        self.ports = ports or free_ports(3)
        self.errors = ""
        demo_options = ["--demo", "--travellers", "15", "--rate", "4"] if demo else []
        self.process = subprocess.Popen(
            [str(CTA), "area", "--json", "--dir", str(directory), "--ports",
             ",".join(map(str, self.ports)), *demo_options],
            env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    def started(self) -> dict[str, Any]:
        """The command's first line: JSON of the three nodes, their URLs, pids and tokens
        (with ``--json`` standard output is JSON lines only: tools read it; progress goes to
        standard error)."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            code, errors = self.finish()
            raise AssertionError(f"cta area ended ({code}): {errors}")
        assert line.startswith("{"), f"not a JSON line on standard output: {line!r}"
        return dict(json.loads(line))

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        code, self.errors = self.finish()
        return code

    def finish(self) -> tuple[int, str]:
        """Wait for the command to end (killed after 45 s); its exit code and standard error."""
        try:
            _, errors = self.process.communicate(timeout=45)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, errors = self.process.communicate()
        return self.process.returncode, errors


@pytest.fixture
def area(tmp_path: Path) -> Iterator[Area]:
    running = Area(tmp_path / "area")
    try:
        yield running
    finally:
        if running.process.returncode is None:
            running.process.kill()
            running.finish()


def heads_in_file(directory: Path, state: str) -> dict[str, int]:
    """Per origin, the last record in the node's SQLite file, read directly (nothing yet: {})."""
    uri = f"file:{directory / f'{state}.sqlite'}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as connection:
            return {o: int(s) for o, s in connection.execute("SELECT origin, seq FROM chain_heads")}
    except sqlite3.Error:
        return {}


def holds_each_others(held: dict[str, dict[str, int]]) -> bool:
    return all(held[node].get(origin, 0) > 0 for node in STATES for origin in STATES)


def wait_for_each_others_records(directory: Path, seconds: float = 40.0) -> dict[str, Any]:
    """What ``cta federation status --json`` of each node says once the nodes hold each
    other's records. The wait looks into the SQLite files: each ``cta`` run is a new Python
    process of a few CPU seconds, and three a second took a core from the other tests."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if holds_each_others({state: heads_in_file(directory, state) for state in STATES}):
            break
        time.sleep(0.5)
    held = {state: federation_status(directory, state) for state in STATES}
    if holds_each_others(held):
        return held
    raise AssertionError(f"the nodes did not come to hold each other's records: {held}")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_area_federates_three_nodes_and_stops_them_all(area: Area, signum: int) -> None:
    started = area.started()
    nodes = {node["state"]: node for node in started["nodes"]}
    assert list(nodes) == list(STATES)
    assert [node["url"] for node in nodes.values()] == [f"https://127.0.0.1:{p}"
                                                       for p in area.ports]  # fmt: skip
    assert_served_over_pinned_tls(area.directory, nodes)
    assert all(set(node["tokens"]) >= {"border_officer", "admin"} for node in nodes.values())

    held = wait_for_each_others_records(area.directory)

    assert all(len(origins) == 3 for origins in held.values()), held
    assert area.stop(signum) == 0, area.errors
    assert not [state for state, node in nodes.items() if alive(node["pid"])]
    for port in area.ports:
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"


def test_an_area_killed_with_sigkill_leaves_no_node_behind(area: Area) -> None:
    nodes = area.started()["nodes"]
    assert all(alive(node["pid"]) for node in nodes)

    area.process.kill()  # no chance to stop them itself
    area.finish()

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(alive(node["pid"]) for node in nodes):
        time.sleep(0.2)
    assert not [node["state"] for node in nodes if alive(node["pid"])]


def assert_served_over_pinned_tls(directory: Path, nodes: dict[str, Any]) -> None:
    """Each node answers over TLS with its certificate, pinned in every federation file; it
    does not answer plain http."""
    for state, node in nodes.items():
        crt = directory / "keys" / f"{state}.tls.crt"
        with httpx.Client(verify=certificate_context(crt, state), timeout=10) as client:
            assert client.get(f"{node['url']}/v1/health").status_code == 200
        with pytest.raises(httpx.HTTPError):
            httpx.get(node["url"].replace("https://", "http://") + "/v1/health", timeout=10)
        for viewer in STATES:
            fed = load_federation(Path(directory / f"federation-{viewer}.toml"))
            assert not fed.allow_plain_http
            assert fed.endpoint(state) == node["url"]
            assert fed.tls_pin(state) == load_certificate_fingerprint(crt)


def test_a_second_start_keeps_the_keys_and_the_federation_files(tmp_path: Path) -> None:
    directory = tmp_path / "area"
    first = Area(directory)
    try:
        first.started()
        keys = {p.name: p.read_bytes() for p in (directory / "keys").iterdir()}
        files = {s: (directory / f"federation-{s}.toml").read_text() for s in STATES}
    finally:
        assert first.stop(signal.SIGTERM) == 0, first.errors
    again = Area(directory, first.ports, demo=False)  # the databases as they are
    try:
        again.started()
        assert {p.name: p.read_bytes() for p in (directory / "keys").iterdir()} == keys
        assert {s: (directory / f"federation-{s}.toml").read_text() for s in STATES} == files
    finally:
        assert again.stop(signal.SIGINT) == 0, again.errors


def test_every_url_the_area_prints_opens_and_each_run_s_log_is_fresh(tmp_path: Path) -> None:
    """``make run``'s output: each node's start page and API documents answer 200; the start
    page names the node's peers; a node's log holds this run's lines only."""
    import re

    import httpx

    directory = tmp_path / "area"
    directory.mkdir()
    for state in STATES:  # a previous run's log
        (directory / f"{state}.log").write_text("LINE OF AN OLD RUN\n", encoding="utf-8")
    ports = free_ports(3)
    process = subprocess.Popen(
        [str(CTA), "area", "--demo", "--travellers", "5", "--rate", "0", "--dir", str(directory),
         "--ports", ",".join(map(str, ports))],
        env=environment() | {"PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        printed = []
        assert process.stdout is not None
        for line in process.stdout:
            printed.append(line)
            if line.startswith("Ctrl-C stops the area"):
                break
        else:
            raise AssertionError(f"cta area ended: {''.join(printed)}{process.communicate()[1]}")
        urls = [u.rstrip(").,") for u in re.findall(r"https?://\S+", "".join(printed))]
        assert len(urls) == 6, printed  # each node's start page and /docs
        assert {u.rsplit(":", 1)[1] for u in urls} == {f"{p}/" for p in ports} | {
            f"{p}/docs" for p in ports}
        with httpx.Client(verify=False, timeout=10) as client:  # https once the area runs TLS
            for url in urls:
                assert client.get(url).status_code == 200, url
            start = client.get(next(u for u in urls if u.endswith(f"{ports[0]}/"))).text
        assert "CTA node AZE" in start
        assert "Armenia (ARM)" in start and "Georgia (GEO)" in start
        for state in STATES:
            log = (directory / f"{state}.log").read_text(encoding="utf-8")
            assert "LINE OF AN OLD RUN" not in log, state
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=45)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
