"""The federation file: which states are members, with which keys, at which endpoints.

One TOML file per node; the members' part is the same on every node, ``node`` names this one::

    node = "GEO"                                  # this node's state

    [[member]]
    state = "GEO"
    public_key = "bWFkZSBieSBjdGEga2V5cyBpbml0IGZvciBHRU8uLi4="   # base64, 32 bytes
    endpoint = "https://cta.geo.example:8090"     # where its records are served
    valid_from = 2027-01-01T00:00:00Z             # the key signs records from this time
    valid_to = 2029-01-01T00:00:00Z               # ... until before this one (optional)
    tls_certificate_sha256 = "9f86d081..."        # its TLS certificate's SHA-256 (64 hex)

Endpoints are ``https://``: a node accepts a peer's TLS certificate only if its SHA-256 (of the
DER bytes) is the member's ``tls_certificate_sha256`` (``cta.federation.tls``), which every
``https://`` endpoint must have. A plain ``http://`` endpoint is refused unless the file says
``allow_plain_http = true`` at its top, for local development only (records carry personal data).

A key rotation is a second ``[[member]]`` for the same state whose period starts where the old
one ends; periods of one state may not overlap, so one key answers for any time. Times are TOML
offset date-times or dates (a date is midnight UTC); a local date-time has no offset and is an
error. Every problem names the file and line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cta.federation.errors import FederationError, FederationFileError, KeyFileError
from cta.federation.keys import VerifyingKey, parse_public_key
from cta.federation.tls import normalise_fingerprint
from cta.policy.toml_lines import LineFinder, TablePath

__all__ = ["Federation", "Member", "load_federation", "member_snippet", "parse_federation"]

_STATE = re.compile(r"[A-Z]{3}")
_TOP_KEYS = frozenset({"node", "member", "allow_plain_http"})
_MEMBER_KEYS = frozenset({"state", "public_key", "endpoint", "valid_from", "valid_to",
                          "tls_certificate_sha256"})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Member:
    """One state's key for one period, and where that state's node serves its records."""

    state: str
    public_key: VerifyingKey
    public_key_text: str
    endpoint: str
    valid_from: datetime
    valid_to: datetime | None  # exclusive; None = until further notice
    tls_certificate_sha256: str | None = None  # the pinned certificate (None: plain http)

    def valid_at(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)


@dataclass(frozen=True, slots=True)
class Federation:
    """The members and this node's own state."""

    node: str
    members: tuple[Member, ...]
    allow_plain_http: bool = False  # http:// endpoints allowed (local development only)

    @property
    def states(self) -> frozenset[str]:
        return frozenset(m.state for m in self.members)

    @property
    def peers(self) -> tuple[str, ...]:
        """The other members' states, in order."""
        return tuple(sorted(self.states - {self.node}))

    def is_member(self, state: str) -> bool:
        return state in self.states

    def key_for(self, origin: str, at: datetime) -> VerifyingKey | None:
        """The key ``origin`` signs with at ``at``; ``None`` if unknown or none is valid then."""
        for member in self.members:
            if member.state == origin and member.valid_at(at):
                return member.public_key
        return None

    def endpoint(self, state: str) -> str:
        """Where ``state`` serves its records (its latest entry's endpoint)."""
        return self.latest(state).endpoint

    def tls_pin(self, state: str) -> str | None:
        """The SHA-256 fingerprint of ``state``'s TLS certificate (its latest entry's)."""
        return self.latest(state).tls_certificate_sha256

    def latest(self, state: str) -> Member:
        """``state``'s latest entry (the one whose period starts last)."""
        entries = [m for m in self.members if m.state == state]
        if not entries:
            raise KeyError(state)
        return max(entries, key=lambda m: m.valid_from)


def member_snippet(
    state: str, public_key: str, endpoint: str, valid_from: datetime,
    tls_certificate_sha256: str | None = None,
) -> str:  # fmt: skip
    """A ``[[member]]`` table for the federation file (checked: it parses as one, in a file
    that allows plain http if ``endpoint`` is one)."""
    since = valid_from.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = (f'[[member]]\nstate = "{state}"\npublic_key = "{public_key}"\n'
            f'endpoint = "{endpoint}"\nvalid_from = {since}\n')  # fmt: skip
    if tls_certificate_sha256 is not None:
        text += f'tls_certificate_sha256 = "{tls_certificate_sha256}"\n'
    try:
        parse_federation(f'node = "{state}"\nallow_plain_http = true\n\n{text}')
    except FederationFileError as exc:
        raise FederationError(exc.problem) from None
    return text


MAX_FEDERATION_FILE_BYTES = 1024 * 1024  # a file of three members is about 2 KiB


def load_federation(path: Path) -> Federation:
    """Read and validate a federation file (at most ``MAX_FEDERATION_FILE_BYTES``: a file
    set to ``/dev/zero`` by mistake is refused, not read until memory runs out)."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FEDERATION_FILE_BYTES + 1)
        if len(data) > MAX_FEDERATION_FILE_BYTES:
            raise FederationFileError(f"it is over {MAX_FEDERATION_FILE_BYTES:,} bytes: not a "
                                      "federation file", file=str(path))  # fmt: skip
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise FederationFileError("no such federation file", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FederationFileError(f"cannot read it ({exc})", file=str(path)) from None
    return parse_federation(text, file=str(path))


def parse_federation(text: str, *, file: str = "<federation>") -> Federation:
    """Parse and validate the text of a federation file."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FederationFileError(f"not valid TOML: {exc}", file=file,
                                  line=_decode_line(exc)) from None  # fmt: skip
    ctx = _Context(file, LineFinder(text))
    ctx.no_unknown_keys(doc, _TOP_KEYS, ())
    plain = doc.get("allow_plain_http", False)
    if not isinstance(plain, bool):
        raise ctx.fail(f"allow_plain_http: {plain!r} is not true or false", (),
                       "allow_plain_http")  # fmt: skip
    raw = doc.get("member")
    if not isinstance(raw, list) or not raw:
        raise ctx.fail("no [[member]] table: a federation lists its members", ())
    members = tuple(_member(entry, index, ctx, plain) for index, entry in enumerate(raw))
    _check_overlaps(members, ctx)
    node = doc.get("node")
    if not isinstance(node, str) or not _STATE.fullmatch(node):
        raise ctx.fail(f"node: {node!r} is not a three-letter state code", (), "node")
    if node not in {m.state for m in members}:
        raise ctx.fail(f"node: {node} is not among the members", (), "node")
    return Federation(node, members, plain)


@dataclass(frozen=True)
class _Context:
    file: str
    lines: LineFinder

    def fail(self, problem: str, path: TablePath, key: str | None = None) -> FederationFileError:
        line = self.lines.key_line(path, key) if key else self.lines.table_line(path)
        return FederationFileError(problem, file=self.file, line=line)

    def no_unknown_keys(self, table: Mapping[str, Any], known: frozenset[str],
                        path: TablePath) -> None:  # fmt: skip
        for key in table:
            if key not in known:
                raise self.fail(f"unknown key {key!r} (expected one of "
                                f"{', '.join(sorted(known))})", path, key)  # fmt: skip


def _member(entry: Any, index: int, ctx: _Context, allow_plain_http: bool) -> Member:
    path: TablePath = ("member", index)
    if not isinstance(entry, dict):
        raise ctx.fail("member must be a table", path)
    ctx.no_unknown_keys(entry, _MEMBER_KEYS, path)
    for key in ("state", "public_key", "endpoint", "valid_from"):
        if key not in entry:
            raise ctx.fail(f"member: missing {key}", path)
    state = entry["state"]
    if not isinstance(state, str) or not _STATE.fullmatch(state):
        raise ctx.fail(f"state: {state!r} is not a three-letter state code", path, "state")
    text = entry["public_key"]
    try:
        if not isinstance(text, str):
            raise KeyFileError("public key must be text (base64)")
        public_key = parse_public_key(text)
    except KeyFileError as exc:
        raise ctx.fail(f"public_key: {exc}", path, "public_key") from None
    endpoint = _endpoint(entry["endpoint"], path, ctx)
    pin = _pin(entry.get("tls_certificate_sha256"), state, endpoint, path, ctx)
    if endpoint.startswith("http://") and not allow_plain_http:
        raise ctx.fail(f"member {state}: endpoint {endpoint} is plain http, so records (names, "
                       "birth dates, document numbers) would cross the network unencrypted; "
                       "use https:// with tls_certificate_sha256, or, for local development "
                       "only, set allow_plain_http = true at the top of the file",
                       path, "endpoint")  # fmt: skip
    valid_from = _moment(entry["valid_from"], "valid_from", path, ctx)
    valid_to = _moment(entry["valid_to"], "valid_to", path, ctx) if "valid_to" in entry else None
    if valid_to is not None and valid_to <= valid_from:
        raise ctx.fail("valid_to: must be after valid_from", path, "valid_to")
    return Member(state, public_key, text.strip(), endpoint, valid_from, valid_to, pin)


def _pin(value: Any, state: str, endpoint: str, path: TablePath, ctx: _Context) -> str | None:
    key = "tls_certificate_sha256"
    if value is None:
        if endpoint.startswith("https://"):
            raise ctx.fail(f"member {state}: endpoint {endpoint} needs {key}, the SHA-256 "
                           "fingerprint of its TLS certificate (cta keys init prints it)",
                           path, "endpoint")  # fmt: skip
        return None
    pin = normalise_fingerprint(value) if isinstance(value, str) else None
    if pin is None:
        raise ctx.fail(f"{key}: {value!r} is not a SHA-256 fingerprint (64 hex digits)",
                       path, key)  # fmt: skip
    return pin


def _endpoint(value: Any, path: TablePath, ctx: _Context) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ctx.fail(f"endpoint: {value!r} is not an http:// or https:// URL", path, "endpoint")
    if parts.query or parts.fragment:
        raise ctx.fail("endpoint: no query or fragment; the base URL only", path, "endpoint")
    return str(value).rstrip("/")


def _moment(value: Any, key: str, path: TablePath, ctx: _Context) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ctx.fail(f"{key}: a date-time needs its offset (Z or +04:00)", path, key)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    raise ctx.fail(f"{key}: {value!r} is not a TOML date or offset date-time", path, key)


def _check_overlaps(members: tuple[Member, ...], ctx: _Context) -> None:
    for index, member in enumerate(members):
        for other in members[:index]:
            if other.state != member.state:
                continue
            ends_before = other.valid_to is not None and other.valid_to <= member.valid_from
            starts_after = member.valid_to is not None and member.valid_to <= other.valid_from
            if not (ends_before or starts_after):
                raise ctx.fail(f"member {member.state}: its validity overlaps that of an "
                               f"earlier entry for {other.state}; one key per state at a time",
                               ("member", index), "valid_from")  # fmt: skip


def _decode_line(exc: tomllib.TOMLDecodeError) -> int | None:
    lineno = getattr(exc, "lineno", None)  # Python 3.14+
    if isinstance(lineno, int):
        return lineno
    match = re.search(r"\(at line (\d+),", str(exc))
    return int(match.group(1)) if match else None
