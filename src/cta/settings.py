"""The node's settings, read once from the environment (``CTA_*``) in ``bootstrap``."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Network", "Settings", "database_url", "parse_networks"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """``"10.0.0.1, 192.168.0.0/16"``: addresses and networks, comma- or space-separated;
    ValueError naming the entry that is neither (``trusted_proxies``; the API's
    ``clients``)."""
    found: list[Network] = []
    for entry in text.replace(",", " ").split():
        try:
            found.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return tuple(found)


class Settings(BaseSettings):
    """``CTA_DATABASE_URL``, ``CTA_STATE``, ... (see the README, "The national node")."""

    model_config = SettingsConfigDict(env_prefix="CTA_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    state: Literal["AZE", "ARM", "GEO"] = "GEO"
    database_url: str = "sqlite:///var/cta-node.sqlite"
    # where the statistics' counts are read (docs/availability.md): a hot standby's URL takes
    # the analysts' long reads off the primary; empty: the node's database
    statistics_database_url: str = ""
    regime: str = "union-draft"
    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    # connections the kernel queues for the node before it accepts them; Linux lowers it to
    # net.core.somaxconn (README, "The national node": the host settings a burst needs)
    listen_backlog: int = Field(default=65535, ge=128, le=1_000_000)
    retention_years: int = Field(default=3, ge=1, le=100)
    overstayer_retention_years: int = Field(default=5, ge=1, le=100)
    # the checks made at internal borders while checks are reintroduced there are deleted
    # after this many days (docs/internal-checks.md: they serve the report on the checks)
    internal_check_retention_days: int = Field(default=180, ge=1, le=3650)
    # where each process keeps the screening index for a warm restart: a file path, "off", or
    # empty for the default (beside a SQLite database; var/alerts-STATE.index on PostgreSQL)
    alert_snapshot: str = ""
    # with more than one worker, `cta serve` runs one screening process that holds the node's
    # one screening index and answers the workers over a Unix socket (README, "The national
    # node"); False: each worker holds its own index, as with one worker
    screening_process: bool = True
    # that process's socket: set by `cta serve` for its workers (empty: each worker screens in
    # its own process); an operator may name the path, else a private temporary directory
    screening_socket: str = ""
    # the federation file (docs/federation.md); empty: this node is alone (records are kept in
    # its outbox, not sealed). The node's private key is KEYS_DIR/STATE.key (cta keys init).
    federation_file: str = ""
    keys_dir: str = "var/keys"
    # the TLS certificate and key `cta serve` serves with (PEM files); empty: KEYS_DIR/STATE.tls.*
    # when the node's own endpoint in the federation file is https://, else plain http
    tls_cert: str = ""
    tls_key: str = ""
    # reads of personal data (traveller files, stays, exports, overstayers, alerts, screenings)
    # one user may make: this many a minute on average, and up to the burst at once
    personal_reads_per_minute: int = Field(default=60, ge=1, le=1_000_000)
    personal_reads_burst: int = Field(default=60, ge=1, le=1_000_000)
    # the applicants' calls (no token), counted per client address (docs/applications.md):
    # submissions, and reads or answers opened with an access code, a minute (the burst the
    # same); the client is the peer, or X-Forwarded-For's right-most untrusted address when
    # the peer is one of the trusted proxies (addresses or networks, comma-separated)
    applications_per_minute: int = Field(default=10, ge=1, le=1_000_000)
    application_reads_per_minute: int = Field(default=30, ge=1, le=1_000_000)
    trusted_proxies: str = ""
    # the HTTP edge (docs: README, "The national node"): request bodies over this are answered
    # 413 unread; a request's headers must arrive within header_timeout seconds of its first
    # byte (or of the connection), its body within body_timeout of its headers; a worker holds
    # at most max_connections connections (beyond them it closes the oldest idle or unfinished
    # ones), fewer when the process may not open that many files
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=1024**3)
    # nan and inf are refused as what they are (not "less than or equal to 3600")
    header_timeout: float = Field(default=10.0, gt=0, le=3600, allow_inf_nan=False)
    body_timeout: float = Field(default=30.0, gt=0, le=3600, allow_inf_nan=False)
    max_connections: int = Field(default=4096, ge=16, le=1_000_000)
    # an idle kept-alive connection is closed after this many seconds: longer than a client
    # keeps one (httpx 5 s) or a proxy or load balancer in front does (nginx's upstream
    # keepalive_timeout and AWS's ALB, 60 s), so that the client always gives a connection up
    # first; the other way round, a request sent as the node closes it is lost unanswered
    keep_alive_timeout: int = Field(default=65, ge=1, le=3600)
    # mail to applicants (README, "Mail"): the SMTP server the node sends through; no host:
    # mail is off and queued mails wait in the outbox. Sent mails are deleted after the days.
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = ""
    smtp_starttls: bool = False
    smtp_user: str = ""
    smtp_password: str = ""
    mail_retention_days: int = Field(default=30, ge=1, le=3650)
    # staff web sessions (README, "Web"): end after this long unused, and this long in all
    session_idle_seconds: int = Field(default=30 * 60, ge=1, le=7 * 24 * 3600)
    session_absolute_seconds: int = Field(default=12 * 3600, ge=1, le=30 * 24 * 3600)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, text: str) -> str:
        parse_networks(text)  # ValueError naming the entry
        return text

    @field_validator("database_url", "statistics_database_url")
    @classmethod
    def _known_database(cls, url: str, info: ValidationInfo) -> str:
        if info.field_name == "statistics_database_url" and not url:
            return url
        return database_url(url, f"CTA_{str(info.field_name).upper()}")


def database_url(url: str, name: str) -> str:
    """A node database's URL as the engine takes it (``postgresql://`` made
    ``postgresql+psycopg://``); ValueError naming ``name`` (the setting or option) and what is
    wrong: another database, a port that is no number, a SQLite URL without a file (an empty
    path, or ``:memory:``, a database that would end with the process and every record in it)."""
    from sqlalchemy.engine import make_url

    if not url.startswith(("sqlite:///", "postgresql+psycopg://", "postgresql://")):
        raise ValueError(f"{name} must be sqlite:///PATH or postgresql+psycopg://...")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        parsed = make_url(url)
    except ValueError:  # SQLAlchemy's own words name neither the URL nor the setting
        raise ValueError(f"{name} is not a database URL that can be read (a port that is not "
                         "a number?): sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/NAME"
                         ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ValueError(f"{name} names no file: sqlite:///PATH, the path of the node's "
                         "database file (relative, or sqlite:////absolute)")
    return url
