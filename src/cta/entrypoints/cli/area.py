"""``cta area``: the whole common travel area on one machine, three federated nodes.

Each node (AZE, ARM, GEO) is its own ``cta serve`` process with its own SQLite database, port,
key pair, TLS certificate and federation file, as three states would run them; this command
only prepares what they need, starts them, and with ``--demo`` fills them and keeps travellers
crossing between them through their APIs. The keys and certificates (``DIR/keys``) and
federation files (``DIR/federation-STATE.toml``) are made on the first start and kept; a
federation file is rewritten only when a port, a key or a certificate changed. The nodes talk
HTTPS to each other and to this command, each pinning the others' certificates; a browser
warns about their self-signed certificates.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from cta.domain.errors import CTAError
from cta.entrypoints.cli.common import err_console, fail, number_between, out_console, print_json

__all__ = ["area_command"]

STATES = ("AZE", "ARM", "GEO")
HOST = "127.0.0.1"
# the demo's document numbers: each node's seeded travellers in a range of their own, so that
# no passport is filed at two nodes before the federation brings them together
FIRST_NUMBER = {"AZE": 10_000_000, "ARM": 20_000_000, "GEO": 30_000_000}
TRAFFIC_NUMBER = 50_000_000
SEED = {"AZE": 2031, "ARM": 2032, "GEO": 2033}
STATUS_SECONDS = 15.0
STOP_SECONDS = 20.0  # the nodes' time to end after SIGTERM, before SIGKILL
MAX_RATE = 1000.0  # demo travellers a second: more would only measure this loop


@dataclass
class AreaNode:
    """One member's node of the area: where its files are and, once started, its process."""

    state: str
    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    tokens: dict[str, str] = field(default_factory=dict)
    smtp: dict[str, str] = field(default_factory=dict)  # CTA_SMTP_* of the demo's mail sink

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.port}"

    @property
    def tls(self) -> Any:
        """Its TLS key and certificate (``cta.federation.tls.TlsFiles``)."""
        from cta.federation.tls import tls_files

        return tls_files(self.directory / "keys", self.state)

    def verify(self) -> Any:
        """A TLS context for talking to the node: its certificate, pinned."""
        from cta.federation.tls import certificate_context

        return certificate_context(self.tls.certificate, f"node {self.state} at {self.url}")

    @property
    def database(self) -> Path:
        return self.directory / f"{self.state}.sqlite"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database}"

    @property
    def federation_file(self) -> Path:
        return self.directory / f"federation-{self.state}.toml"

    @property
    def log(self) -> Path:
        return self.directory / f"{self.state}.log"


def area_command(
    demo: Annotated[
        bool,
        typer.Option("--demo", help="Fresh demo databases (synthetic travellers, one user per "
                     "role) and live demo traffic between the nodes; prints the tokens."),
    ] = False,
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the databases, keys, federation files and logs "
                           "are kept.")
    ] = Path("var/area"),
    ports: Annotated[
        str, typer.Option(help="The ports of AZE, ARM and GEO, comma-separated.")
    ] = "8091,8092,8093",
    travellers: Annotated[
        int, typer.Option(help="Synthetic travellers seeded in each demo database.", min=0)
    ] = 300,
    rate: Annotated[
        float,
        typer.Option(
            help="Demo travellers entering a second, 0 to 1000 (0: no traffic).",
            parser=number_between(0.0, MAX_RATE),
            metavar="FLOAT",
        ),
    ] = 2.0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the nodes and each status report as JSON lines.")
    ] = False,
) -> None:
    """Run the three nodes AZE, ARM and GEO on this machine, federated, until Ctrl-C."""
    nodes = [AreaNode(state, port, directory) for state, port in zip(STATES, _ports(ports),
                                                                    strict=True)]  # fmt: skip
    signal.signal(signal.SIGTERM, _interrupt)  # a SIGTERM stops the area as Ctrl-C does
    # and so does SIGINT, also when a shell started the command in the background (which
    # ignores SIGINT for it, and Python then leaves it ignored)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _prepare(nodes, directory, demo=demo, travellers=travellers)
        with _mail_sink(nodes, directory, demo=demo), _running(nodes):
            _announce(nodes, directory, demo=demo, as_json=as_json)
            _watch(nodes, rate=rate if demo else 0.0, as_json=as_json)
    except KeyboardInterrupt:
        pass
    except CTAError as exc:
        fail(str(exc))
    if as_json:
        print_json({"stopped": [node.state for node in nodes]})
    else:
        out_console.print("the area is stopped: all three nodes ended")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _ports(text: str) -> list[int]:
    try:
        ports = [int(part) for part in text.split(",")]
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not three port numbers",
                                 param_hint="--ports") from None  # fmt: skip
    if len(ports) != 3 or len(set(ports)) != 3 or not all(0 < p < 65536 for p in ports):
        raise typer.BadParameter("three different ports from 1 to 65535 (AZE,ARM,GEO)",
                                 param_hint="--ports")  # fmt: skip
    return ports


# -- before the start: keys, federation files, databases ---------------------------------------


def _prepare(nodes: list[AreaNode], directory: Path, *, demo: bool, travellers: int) -> None:
    from cta.federation.errors import FederationError

    directory.mkdir(parents=True, exist_ok=True)
    try:
        members = [_member(node, directory / "keys") for node in nodes]
        for node in nodes:
            _write_federation_file(node, members)
    except FederationError as exc:
        raise CTAError(str(exc)) from None
    if demo:
        # progress, not output: on stderr, so that `--json`'s standard output is JSON lines only
        err_console.print(f"seeding three demo databases ({travellers} travellers each) ...")
        built = [_fresh(node) for node in nodes]  # one after another: Alembic is not threadsafe
        with ThreadPoolExecutor(len(nodes)) as pool:  # mostly waiting on fsync: threads do
            seeded = pool.map(lambda pair: _seed(*pair, travellers), zip(nodes, built, strict=True))
            for node, tokens in zip(nodes, seeded, strict=True):
                node.tokens = tokens


def _member(node: AreaNode, keys: Path) -> str:
    """This node's ``[[member]]`` entry; its key pair and TLS certificate are made on the
    first start (the certificate also for an area made before nodes spoke TLS)."""
    from cta.federation.keys import (
        generate_private_key,
        key_files,
        load_private_key,
        public_key_text,
        write_key_pair,
    )
    from cta.federation.members import member_snippet
    from cta.federation.tls import (
        default_hosts,
        load_certificate_fingerprint,
        make_certificate,
        write_tls_files,
    )

    if node.tls.certificate.exists():
        pin = load_certificate_fingerprint(node.tls.certificate)
    else:
        pin = write_tls_files(*make_certificate(node.state, default_hosts(HOST)), node.tls,
                              force=True)  # a key without its certificate: made again  # fmt: skip
    files = key_files(keys, node.state)
    if files.private.exists():
        key = load_private_key(files.private)
    else:
        key = generate_private_key()
        write_key_pair(key, files)
    # the key signs from when it was made: every record a node seals is later than that
    made = datetime.fromtimestamp(files.private.stat().st_mtime, UTC)
    return member_snippet(node.state, public_key_text(key), node.url, made, pin)


def _write_federation_file(node: AreaNode, members: list[str]) -> None:
    """Write the node's federation file unless the one there already says the same."""
    from cta.federation.errors import FederationFileError
    from cta.federation.members import load_federation, parse_federation

    text = f'node = "{node.state}"\n\n' + "\n".join(members)
    wanted = parse_federation(text)
    if node.federation_file.exists():
        with contextlib.suppress(FederationFileError):
            kept = load_federation(node.federation_file)
            if _entries(kept) == _entries(wanted):
                return
    node.federation_file.write_text(text, encoding="utf-8")


def _entries(federation: Any) -> set[tuple[str, str, str, str | None]]:
    return {(m.state, m.public_key_text, m.endpoint, m.tls_certificate_sha256)
            for m in federation.members}  # fmt: skip


def _fresh(node: AreaNode) -> Any:
    """A new, empty database for the node (the last demo's removed), migrated."""
    from cta.bootstrap import build_node
    from cta.settings import Settings

    for stale in node.directory.glob(node.database.name + "*"):
        stale.unlink()
    return build_node(Settings(state=node.state, database_url=node.database_url))  # type: ignore[arg-type]


def _seed(node: AreaNode, built: Any, travellers: int) -> dict[str, str]:
    """The node's demo users and travellers; the users' tokens."""
    from cta.services.demo_data import seed_demo

    try:
        users = seed_demo(built, travellers=travellers, seed=SEED[node.state],
                          first_number=FIRST_NUMBER[node.state])  # fmt: skip
    finally:
        built.store.engine.dispose()
    return users.tokens


# -- the three processes -----------------------------------------------------------------------


def _environment(node: AreaNode) -> dict[str, str]:
    own = {"CTA_STATE": node.state, "CTA_DATABASE_URL": node.database_url, "CTA_HOST": HOST,
           "CTA_PORT": str(node.port), "CTA_WORKERS": "1",
           "CTA_FEDERATION_FILE": str(node.federation_file),
           "CTA_KEYS_DIR": str(node.directory / "keys")}  # fmt: skip
    inherited = {k: v for k, v in os.environ.items() if k not in own and k != "CTA_ALERT_SNAPSHOT"}
    return inherited | own | node.smtp


@contextlib.contextmanager
def _mail_sink(nodes: list[AreaNode], directory: Path, *, demo: bool) -> Iterator[None]:
    """With --demo, a local SMTP server (``cta.adapters.mail.sink``) the three nodes send their
    mail to applicants through; it keeps each mail as DIR/mail/*.eml and sends nothing on."""
    if not demo:
        yield
        return
    from cta.adapters.mail.sink import MailSink

    sink = MailSink(directory / "mail", HOST).start()
    for node in nodes:
        node.smtp = {"CTA_SMTP_HOST": HOST, "CTA_SMTP_PORT": str(sink.port),
                     "CTA_SMTP_FROM": f"no-reply@{node.state.lower()}.cta.example",
                     "CTA_SMTP_STARTTLS": "false", "CTA_SMTP_USER": "",
                     "CTA_SMTP_PASSWORD": ""}  # fmt: skip
    try:
        yield
    finally:
        sink.stop()


@contextlib.contextmanager
def _running(nodes: list[AreaNode]) -> Iterator[None]:
    """Start the three ``cta serve`` processes, wait until each answers; stop them all after."""
    try:
        for node in nodes:
            with node.log.open("wb") as log:  # each run's log fresh: no old lines in errors
                node.process = subprocess.Popen(
                    [sys.executable, "-m", "cta", "serve"], env=_environment(node),
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True,  # Ctrl-C reaches this command, which stops them
                    preexec_fn=_end_with_parent,
                )  # fmt: skip
        for node in nodes:
            _wait_healthy(node)
        yield
    finally:
        for node in nodes:
            _signal(node, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS  # one for all: they end side by side
        for node in nodes:
            _reap(node, deadline)


def _end_with_parent() -> None:
    """In a node's process before it runs: on Linux, SIGTERM it when this command dies, even
    by SIGKILL, so that no node outlives the area it belongs to (its own session keeps Ctrl-C
    away from it)."""
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _wait_healthy(node: AreaNode, seconds: float = 90.0) -> None:
    import httpx

    assert node.process is not None
    deadline = time.monotonic() + seconds
    verify = node.verify()
    while time.monotonic() < deadline:
        if node.process.poll() is not None:
            raise CTAError(f"node {node.state} ended at its start (exit {node.process.returncode})"
                           f"; its log {node.log}:\n{_tail(node.log)}")  # fmt: skip
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{node.url}/v1/health", timeout=2.0, verify=verify).status_code == 200:
                return
        time.sleep(0.1)
    raise CTAError(f"node {node.state} did not answer at {node.url} within {seconds:.0f} s; "
                   f"its log {node.log}:\n{_tail(node.log)}")  # fmt: skip


def _signal(node: AreaNode, signum: int) -> None:
    if node.process is not None and node.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(node.process.pid, signum)


def _reap(node: AreaNode, deadline: float) -> None:
    """Wait for a node to end after SIGTERM (it finishes its requests) until ``deadline``,
    then SIGKILL it. The nodes share the deadline: waiting 20 s for each in turn let three
    slow ones hold the area for a minute on a loaded machine."""
    if node.process is None:
        return
    while True:
        try:
            node.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            return
        except subprocess.TimeoutExpired:
            _signal(node, signal.SIGKILL)
            deadline = time.monotonic() + 5.0  # a killed process is reaped at once
        except KeyboardInterrupt:  # a second Ctrl-C: stop waiting politely
            _signal(node, signal.SIGKILL)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(no log: {exc})"


# -- while it runs -----------------------------------------------------------------------------


def _announce(nodes: list[AreaNode], directory: Path, *, demo: bool, as_json: bool) -> None:
    if as_json:
        print_json({"directory": str(directory), "nodes": [
            {"state": n.state, "url": n.url, "pid": n.process.pid if n.process else None,
             "database_url": n.database_url, "federation_file": str(n.federation_file),
             "log": str(n.log), "tokens": n.tokens} for n in nodes],
            "mail": _mail_line(nodes, directory)})  # fmt: skip
        sys.stdout.flush()
        return
    out_console.print(f"[bold]CTA area[/]: three federated nodes, files in "
                      f"{escape(str(directory))}", soft_wrap=True)  # fmt: skip
    for node in nodes:
        pid = node.process.pid if node.process else None
        out_console.print(f"[bold]{node.state}[/] {node.url}/ (start page; API documents at "
                          f"{node.url}/docs), pid {pid}, log {escape(str(node.log))}",
                          soft_wrap=True)  # fmt: skip
        for role, token in node.tokens.items():
            out_console.print(f"  {role:<17} Authorization: Bearer {token}", soft_wrap=True)
    if nodes[0].smtp:
        out_console.print(f"mail to applicants: {escape(_mail_line(nodes, directory) or '')}",
                          soft_wrap=True)  # fmt: skip
    if not demo:
        out_console.print("users: cta users add NAME --role ROLE with that node's "
                          "CTA_DATABASE_URL and CTA_STATE", soft_wrap=True)  # fmt: skip
    out_console.print("Ctrl-C stops the area.")


def _mail_line(nodes: list[AreaNode], directory: Path) -> str | None:
    if not nodes[0].smtp:
        return None
    return (f"the nodes send to a local SMTP sink at {HOST}:{nodes[0].smtp['CTA_SMTP_PORT']}, "
            f"which keeps each mail in {directory / 'mail'}/*.eml (none leaves this machine)")


def _watch(nodes: list[AreaNode], *, rate: float, as_json: bool) -> None:
    """Run the demo traffic (if any) and report the federation every few seconds, until a
    signal or until a node ends by itself (then the area stops, with an error)."""
    stop = threading.Event()
    traffic = DemoTraffic(nodes, rate) if rate > 0 else None
    worker = threading.Thread(target=traffic.run, args=(stop,), daemon=True) if traffic else None
    if traffic is not None and not as_json:
        out_console.print(f"demo traffic: {rate:g} travellers a second entering at one node and "
                          "leaving at another a little later", soft_wrap=True)  # fmt: skip
    if worker is not None:
        worker.start()
    reported = time.monotonic()
    try:
        while True:
            for node in nodes:
                if node.process is not None and node.process.poll() is not None:
                    raise CTAError(f"node {node.state} ended (exit {node.process.returncode}); "
                                   f"its log {node.log}:\n{_tail(node.log)}")  # fmt: skip
            time.sleep(1.0)  # a signal's KeyboardInterrupt arrives here
            if time.monotonic() - reported >= STATUS_SECONDS:
                _report(nodes, traffic, as_json=as_json)
                reported = time.monotonic()
    finally:
        stop.set()
        if worker is not None:
            worker.join(10)


def _report(nodes: list[AreaNode], traffic: DemoTraffic | None, *, as_json: bool) -> None:
    held = {node.state: _held(node) for node in nodes}
    counts = traffic.counts() if traffic is not None else {}
    if as_json:
        print_json({"records_held": held, "traffic": counts})
        sys.stdout.flush()
        return
    line = "records held: " + "; ".join(
        f"{node} has " + ", ".join(f"{o} {n:,}" for o, n in origins.items())
        for node, origins in held.items())
    if counts:
        line = (f"traffic: {counts['entries']:,} entries, {counts['exits']:,} exits, "
                f"{counts['failed']:,} failed · {line}")  # fmt: skip
    out_console.print(line, soft_wrap=True)


def _held(node: AreaNode) -> dict[str, int]:
    """Per origin, the last record the node holds (what ``cta federation status`` shows)."""
    from cta.bootstrap import build_node
    from cta.services.federation import federation_status
    from cta.settings import Settings

    try:
        built = build_node(Settings(state=node.state, database_url=node.database_url),  # type: ignore[arg-type]
                           migrate_schema=False)  # fmt: skip
        try:
            return {row["origin"]: row["last_seq"]
                    for row in federation_status(built.store, node.state)}  # fmt: skip
        finally:
            built.store.engine.dispose()  # type: ignore[attr-defined]
    except Exception:  # the report is a courtesy: a busy database must not stop the area
        return {}


class DemoTraffic:
    """Travellers entering the area at one node and leaving it at another, through the APIs,
    as border officers would record them (with the officer's override: the demo's new
    travellers have no authorisation or visa)."""

    def __init__(self, nodes: list[AreaNode], rate: float, seed: int = 2034) -> None:
        from cta.policy.crossing_points import load_crossing_points
        from cta.services.demo_data import DemoTravellers

        self.nodes = nodes
        self.rate = rate
        self.rng = random.Random(seed)
        self.people = DemoTravellers(seed, datetime.now(UTC).date())
        points = load_crossing_points()
        self.points = {n.state: [p.code for p in points.of_state(n.state) if p.is_external]
                       for n in nodes}  # fmt: skip
        self.inside: list[tuple[float, Any, str]] = []  # (leaves at, mrz, entered at state)
        self._counts = {"entries": 0, "exits": 0, "failed": 0}
        self._number = TRAFFIC_NUMBER

    def counts(self) -> dict[str, int]:
        return dict(self._counts)

    def run(self, stop: threading.Event) -> None:
        import httpx

        from cta.domain.documents import generate_mrz

        clients = {n.state: httpx.Client(base_url=n.url, timeout=10.0, verify=n.verify(), headers={
            "Authorization": f"Bearer {n.tokens.get('border_officer', '')}",
            "X-Purpose": "demo traffic"}) for n in self.nodes}  # fmt: skip
        try:
            due = time.monotonic()
            while not stop.wait(max(0.0, (due := due + 1.0 / self.rate) - time.monotonic())):
                self._number += 1
                mrz = list(generate_mrz(self.people.passport(self._number)))
                entered = self.rng.choice([n.state for n in self.nodes])
                if self._cross(clients[entered], entered, mrz, "entry"):
                    stay = self.rng.uniform(5.0, 30.0)
                    self.inside.append((time.monotonic() + stay, mrz, entered))
                self._leave_due(clients)
        finally:
            for client in clients.values():
                client.close()

    def _leave_due(self, clients: dict[str, Any]) -> None:
        now = time.monotonic()
        due = [t for t in self.inside if t[0] <= now]
        self.inside = [t for t in self.inside if t[0] > now]
        for _, mrz, entered in due:
            leaves = self.rng.choice([n.state for n in self.nodes if n.state != entered])
            self._cross(clients[leaves], leaves, mrz, "exit")

    def _cross(self, client: Any, state: str, mrz: list[str], direction: str) -> bool:
        import httpx

        body = {"mrz": mrz, "crossing_point": self.rng.choice(self.points[state]),
                "direction": direction, "override_reason": "demo traffic"}  # fmt: skip
        try:
            answer = client.post("/v1/crossings", json=body)
        except httpx.HTTPError:
            answer = None
        if answer is None or answer.status_code != 201:
            self._counts["failed"] += 1
            return False
        self._counts["entries" if direction == "entry" else "exits"] += 1
        return True
