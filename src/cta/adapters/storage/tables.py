"""The node's tables, in SQLAlchemy Core: one schema for SQLite and PostgreSQL.

Timestamps are stored in UTC (``occurred_at``) beside the crossing point's zone and the calendar
day there (``local_date``), the day that counts for stays (DESIGN.md, Decisions: Dates).
Personal data lives in ``persons``, ``documents``, ``crossings``, ``refusals``, ``visas`` and
``authorizations``; ``audit_log`` and ``outbox`` are append-only (but for retention: the
carriers' audit entries after two years, a deleted person's outbox rows, an erased
application's).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

__all__ = [
    "alert_changes",
    "alert_decisions",
    "alerts",
    "application_decisions",
    "applications",
    "audit_log",
    "authorizations",
    "chain_heads",
    "consultations",
    "crossings",
    "documents",
    "idempotency",
    "internal_check_records",
    "internal_checks",
    "mail_outbox",
    "metadata",
    "node_meta",
    "outbox",
    "peer_status",
    "personal_reads",
    "persons",
    "records",
    "refusals",
    "users",
    "visas",
    "web_passwords",
    "web_sessions",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

def _peer_rows_index() -> Index:
    """(origin, record_seq) of the rows a peer's record wrote, where a later record that
    amends them finds them; partial, so that this node's own rows (and a bulk import's) add
    nothing to it."""
    peers = text("record_seq IS NOT NULL")
    return Index(None, "origin", "record_seq", postgresql_where=peers, sqlite_where=peers)


# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite
Id = BigInteger().with_variant(Integer(), "sqlite")
UTC = DateTime(timezone=True)

persons = Table(
    "persons",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("surname", String(200), nullable=False),
    Column("given_names", String(200), nullable=False),
    Column("nationality", String(3), nullable=False),
    Column("birth_date", Date),  # None when a part is unknown
    Column("birth_date_raw", String(6), nullable=False),
    Column("sex", String(1)),
    Column("created_at", UTC, nullable=False),
    Column("last_exit", Date),  # the latest exit recorded
    Column("last_seen", Date),  # the latest day of any record (crossing, refusal): retention
    Column("overstayed", Boolean, nullable=False, default=False),
    Index(None, "nationality", "birth_date_raw", "surname"),
    sqlite_autoincrement=True,  # an id is never given twice (0016)
)

documents = Table(
    "documents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", Id, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("document_code", String(2), nullable=False),
    Column("issuing_state", String(3), nullable=False),
    Column("document_number", String(30), nullable=False),
    Column("expiry_date", Date),
    Column("first_seen", UTC, nullable=False),
    UniqueConstraint("issuing_state", "document_number"),
    Index(None, "person_id"),
    sqlite_autoincrement=True,  # an id is never given twice (0016)
)

crossings = Table(
    "crossings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", Id, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("document_id", Id, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("direction", String(5), nullable=False),  # entry | exit
    Column("crossing_point", String(40), nullable=False),
    Column("occurred_at", UTC, nullable=False),
    Column("time_zone", String(40), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("officer", String(100), nullable=False),
    Column("decision", String(6), nullable=False),  # what the check said: admit | refer | refuse
    Column("override_reason", Text),  # an entry the check refused, admitted by an officer
    Column("recorded_at", UTC, nullable=False),
    Column("origin", String(3)),  # the node that recorded it (None: this one, before 0004)
    Column("record_seq", BigInteger),  # a peer's row: the seq of the record that wrote it
    Column("outbox_seq", BigInteger),  # this node's row: the outbox row it emitted
    Index(None, "person_id", "occurred_at"),
    Index(None, "local_date"),
    Index(None, "document_id"),  # a document deleted looks for the rows naming it (0015)
    _peer_rows_index(),
    sqlite_autoincrement=True,  # an id is never given twice (0016)
)

refusals = Table(
    "refusals",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", Id, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("document_id", Id, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("crossing_point", String(40), nullable=False),
    Column("occurred_at", UTC, nullable=False),
    Column("time_zone", String(40), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("officer", String(100), nullable=False),
    Column("reasons", JSON, nullable=False),  # [{"code", "message"}]
    Column("recorded_at", UTC, nullable=False),
    Column("origin", String(3)),
    Column("record_seq", BigInteger),  # a peer's row: the seq of the record that wrote it
    Column("outbox_seq", BigInteger),  # this node's row: the outbox row it emitted
    Index(None, "person_id"),
    Index(None, "document_id"),  # as for crossings (0015)
    _peer_rows_index(),
    sqlite_autoincrement=True,  # an id is never given twice (0016)
)

visas = Table(
    "visas",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", Id, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("document_number", String(30), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("entries", Integer),  # None: multiple
    Column("entries_used", Integer, nullable=False, default=0),
    Column("duration_days", Integer, nullable=False),
    Column("issued_at", UTC, nullable=False),
    Column("origin", String(3)),  # the state whose node issued it (None: this one)
    Column("record_seq", BigInteger),  # a peer's row: the seq of the record that wrote it
    Column("outbox_seq", BigInteger),  # this node's row: the outbox row it emitted
    # migration 0010: the visa's number, unique in the area, and its MRV MRZ lines (None:
    # issued before numbers, or imported)
    Column("visa_number", String(9)),
    Column("mrz", JSON),
    # migration 0012: limited territorial validity, the member states it is valid in ("ARM
    # GEO"; cta.domain.travel_permits); NULL: the whole area
    Column("territorial_validity", String(40)),
    Index(None, "person_id"),
    Index(None, "visa_number", unique=True),
    _peer_rows_index(),
    sqlite_autoincrement=True,  # an id is never given twice (0016)
)

authorizations = Table(
    "authorizations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", Id, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("document_number", String(30), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("issued_at", UTC, nullable=False),
    Column("origin", String(3)),
    Column("record_seq", BigInteger),  # a peer's row: the seq of the record that wrote it
    Column("outbox_seq", BigInteger),  # this node's row: the outbox row it emitted
    Column("territorial_validity", String(40)),  # migration 0012, as visas'
    Index(None, "person_id"),
    _peer_rows_index(),
    sqlite_autoincrement=True,  # an id is never given twice (0016)
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("category", String(40), nullable=False),
    Column("issuing_state", String(3)),
    Column("record", JSON, nullable=False),  # the alert as a JSON line gives it (README)
    Column("version", Integer, nullable=False),  # 1 when created, one more at each change
    Column("created_at", UTC, nullable=False),
    Column("changed_at", UTC, nullable=False),
    Column("withdrawn_at", UTC),
    Column("outbox_seq", BigInteger),  # this node's alert: the outbox row of its last change
)

# Every change of an alert, numbered: the screening index of each worker replays what it has
# not seen (``cta.services.alerts``), so it stays current without a rebuild.
alert_changes = Table(
    "alert_changes",
    metadata,
    Column("seq", Id, primary_key=True, autoincrement=True),
    Column("alert_id", String(100), nullable=False),
    Column("change", String(10), nullable=False),  # put | withdraw
    Column("at", UTC, nullable=False),
)

# An officer's word on a hit: confirmed (it is the person of the alert) or dismissed (not
# them). It holds for that document and that version of the alert.
alert_decisions = Table(
    "alert_decisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("alert_id", String(100), nullable=False),
    Column("alert_version", Integer, nullable=False),
    Column("issuing_state", String(3), nullable=False),
    Column("document_number", String(30), nullable=False),
    Column("person_id", Id, ForeignKey("persons.id", ondelete="CASCADE")),
    Column("decision", String(10), nullable=False),  # confirmed | dismissed
    Column("reason", Text, nullable=False),
    Column("officer", String(100), nullable=False),
    Column("at", UTC, nullable=False),
    Column("origin", String(3)),  # the state whose officer decided; NULL: this node's own
    Column("record_seq", BigInteger),  # a peer's: its record (erased with it)
    Index(None, "issuing_state", "document_number"),
    Index(None, "person_id"),
)

# One member consulting another on an application (services/consultations.py). The asking
# node's row has ``origin`` NULL; the consulted node files the asking member's record (its
# ``origin``, ``record_seq``) and answers in it. ``ref`` names it in the area: "GEO-C-17".
consultations = Table(
    "consultations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ref", String(40), nullable=False, unique=True),
    Column("application", String(40), nullable=False),  # the application's number
    Column("kind", String(20), nullable=False),  # authorization | visa
    Column("asking_state", String(3), nullable=False),
    Column("consulted_state", String(3), nullable=False),
    Column("question", Text, nullable=False),
    Column("grounds", JSON, nullable=False),  # [{"code", "message"}]: why it is asked
    Column("applicant", JSON, nullable=False),  # names, birth date, nationality, document
    Column("person_id", Id, ForeignKey("persons.id", ondelete="CASCADE")),
    Column("asked_by", String(100)),  # the asking officer (on the asking node only)
    Column("asked_at", UTC, nullable=False),
    Column("due_at", UTC, nullable=False),
    Column("opinion", String(10)),  # positive | negative; NULL: not answered
    Column("reasons", JSON),
    Column("answered_at", UTC),
    Column("answered_by", String(100)),  # the answering officer (on the consulted node only)
    Column("origin", String(3)),  # a peer's request: the asking member
    Column("record_seq", BigInteger),
    Index(None, "consulted_state", "answered_at"),
    Index(None, "asking_state", "application"),
    Index(None, "person_id"),
)

# Temporary checks at internal borders (cta.domain.internal_checks), every member's: a
# reintroduction this node declared has ``origin`` NULL and ``declared_by``; a peer's, its
# ``origin`` and the ``record_seq`` of its last record. ``ref`` names it in the area:
# "GEO-IC-3". Prolongations: [{"to", "ground"}]; ``ended_on``: the first day without checks.
internal_checks = Table(
    "internal_checks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ref", String(40), nullable=False, unique=True),
    Column("state", String(3), nullable=False),
    # the regime's kind it is declared under (unforeseeable, foreseeable, overall_risk; before
    # kinds, and a regime of one kind: default)
    Column("kind", String(40), nullable=False, server_default="default"),
    Column("crossing_points", JSON, nullable=False),  # codes of the state's internal points
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),  # as first declared
    Column("ground", Text, nullable=False),
    Column("prolongations", JSON, nullable=False),
    Column("ended_on", Date),
    Column("declared_at", UTC, nullable=False),
    Column("declared_by", String(100)),  # the admin (on the declaring node only)
    Column("origin", String(3)),
    Column("record_seq", BigInteger),
    Index(None, "state", "first_day"),
)

# The checks made at internal points while checks were reintroduced there: kept apart from
# crossings and refusals, so that no stay ever counts one, and deleted after their own
# retention (CTA_INTERNAL_CHECK_RETENTION_DAYS). ``outcome``: admitted | refused; ``document``:
# the fields of the document read (names, nationality, number), for the record.
internal_check_records = Table(
    "internal_check_records",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("reintroduction", String(40), nullable=False),  # internal_checks.ref
    Column("person_id", Id, ForeignKey("persons.id", ondelete="CASCADE")),
    Column("document", JSON, nullable=False),
    Column("nationality", String(3), nullable=False),  # the document's: for the statistics
    Column("crossing_point", String(40), nullable=False),
    Column("direction", String(5), nullable=False),
    Column("occurred_at", UTC, nullable=False),
    Column("time_zone", String(40), nullable=False),
    Column("local_date", Date, nullable=False),
    Column("officer", String(100), nullable=False),
    Column("decision", String(6), nullable=False),  # what the check said
    Column("outcome", String(8), nullable=False),  # admitted | refused
    Column("reasons", JSON, nullable=False),  # a refusal's letters [{"code", "message"}]
    Column("override_reason", Text),
    Column("recorded_at", UTC, nullable=False),
    Index(None, "local_date", "crossing_point"),
    Index(None, "occurred_at"),
    Index(None, "person_id"),
)

# Small facts about this database: ``alerts_epoch`` names it for the index's snapshots.
node_meta = Table(
    "node_meta",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(40), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 of the token
    Column("created_at", UTC, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UTC, nullable=False),
    Column("user_name", String(100), nullable=False),
    Column("role", String(40), nullable=False),
    Column("action", String(60), nullable=False),  # e.g. "read traveller file", "record entry"
    Column("person_id", Id),  # whose data, when personal data was read or written
    Column("purpose", String(200), nullable=False),
    Column("detail", JSON, nullable=False),
    Index(None, "person_id"),
    Index(None, "at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("seq", Id, primary_key=True, autoincrement=True),  # the node's record number
    Column("at", UTC, nullable=False),
    Column("kind", String(40), nullable=False),  # CrossingRecorded, RefusalRecorded, ...
    Column("payload", JSON, nullable=False),
    Column("person_id", Id, index=True),  # whose data it carries: deleted with the person
    Column("supersedes", BigInteger),  # the outbox row of the record this one corrects
    # never reuse a number (SQLite would, after a retention deletion removed the last rows):
    # the sealer seals only rows above the last one it sealed
    sqlite_autoincrement=True,
)

# -- federation (docs/federation.md) ---------------------------------------------------------

# Every origin's sealed records this node holds, its own included, as the exchange carries
# them (``Record.to_wire()``); ``person_id`` is the local person a record concerns, so that a
# retention deletion can redact it.
records = Table(
    "records",
    metadata,
    Column("origin", String(3), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UTC, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("wire", JSON, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("person_id", Id, index=True),
    Column("received_at", UTC, nullable=False),
    Column("outbox_seq", BigInteger, index=True),  # this node's own: the outbox row sealed
    # the seq of its origin's RetentionDeletion that names it: its erasure's proof
    Column("erased_by", BigInteger),
    # why this node kept a peer's record without applying it (NULL: applied, or erased)
    Column("not_applied", Text),
    Index("ix_records_not_applied", "origin", "seq", postgresql_where=text(
        "not_applied IS NOT NULL"), sqlite_where=text("not_applied IS NOT NULL")),
)

# The last record held of each origin; for this node's own, also the last outbox row sealed.
chain_heads = Table(
    "chain_heads",
    metadata,
    Column("origin", String(3), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("at", UTC),
    Column("outbox_seq", BigInteger, nullable=False, default=0),
    # how many of the origin's records this node keeps without applying them
    Column("not_applied", Integer, nullable=False, default=0, server_default=text("0")),
)

# What the sync loop last saw of each peer (``cta federation status`` reads it).
peer_status = Table(
    "peer_status",
    metadata,
    Column("peer", String(3), primary_key=True),
    Column("endpoint", String(200), nullable=False),
    Column("remote_last_seq", BigInteger),
    Column("last_success_at", UTC),
    Column("last_error", Text),
    Column("last_error_at", UTC),
    Column("failures", Integer, nullable=False, default=0),
    Column("rejections", Integer, nullable=False, default=0),
    Column("updated_at", UTC, nullable=False),
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("user_name", String(100), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", JSON, nullable=False),
    Column("at", UTC, nullable=False),
)

# Each user's allowance of personal-data reads (``cta.services.read_limits``), shared by every
# worker: ``due_us`` is when the user's reads would be even again if they stopped now (the
# "theoretical arrival time" of the generic cell rate algorithm), ``alarmed_until_us`` ends the
# minute after an alarm in which no other is raised. Microseconds since 1970, UTC.
personal_reads = Table(
    "personal_reads",
    metadata,
    Column("user_name", String(100), primary_key=True),
    Column("due_us", BigInteger, nullable=False),
    Column("alarmed_until_us", BigInteger),
)

# Applications for a travel authorisation or a common visa (``cta.services.applications``):
# the form as submitted (``form``), why it needs an officer (``review``), its decision and the
# steps it went through (``history``). Only the access code's SHA-256 is kept.
applications = Table(
    "applications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("number", String(20), nullable=False, unique=True),
    Column("kind", String(13), nullable=False),  # authorization | visa
    Column("status", String(24), nullable=False),
    Column("access_hash", String(64), nullable=False),
    Column("first_state", String(3), nullable=False),
    Column("issuing_state", String(3), nullable=False),
    Column("document_number", String(30), nullable=False),
    Column("nationality", String(3), nullable=False),
    Column("surname", String(200), nullable=False),
    Column("birth_date_raw", String(6), nullable=False),
    Column("person_id", Id),  # the holder once a permit is issued (no key: retention differs)
    Column("language", String(10), nullable=False),
    Column("email", String(320), nullable=False),
    Column("form", JSON, nullable=False),
    Column("review", JSON, nullable=False),  # [{"code", "message"}]
    Column("history", JSON, nullable=False),  # [{"at", "by", "action", ...}]
    Column("submitted_at", UTC, nullable=False),
    Column("deadline", UTC, nullable=False),
    Column("information_requested_at", UTC),
    Column("interview_at", UTC),
    Column("claimed_by", String(100)),
    Column("decided_at", UTC),
    Column("decision", JSON),
    Column("permit_id", Id),  # the authorisation or visa issued
    Column("permit_outbox_seq", BigInteger),  # its record, which a revocation supersedes
    Column("decision_outbox_seq", BigInteger),  # the last ApplicationDecided of this node
    Index(None, "first_state", "status", "deadline"),
    Index(None, "issuing_state", "document_number"),
)

# Refusals, annulments and revocations of applications anywhere in the area (this node's and
# its peers', from ``ApplicationDecided`` records), which the automatic processing weighs.
application_decisions = Table(
    "application_decisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("origin", String(3), nullable=False),
    Column("number", String(20), nullable=False),
    Column("kind", String(13), nullable=False),
    Column("outcome", String(20), nullable=False),  # refused | annulled | revoked
    Column("issuing_state", String(3), nullable=False),
    Column("document_number", String(30), nullable=False),
    Column("nationality", String(3), nullable=False),
    Column("surname", String(200), nullable=False),
    Column("birth_date_raw", String(6), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("decided_at", UTC, nullable=False),
    Column("record_seq", BigInteger),  # a peer's row: the seq of the record that wrote it
    Index(None, "issuing_state", "document_number"),
    Index(None, "nationality", "birth_date_raw", "surname"),
    Index(None, "origin", "number"),
)

# mail to applicants (cta.services.mail): a row is queued in the transaction of the decision it
# tells of; ``next_attempt_at`` is when a sender may take it (NULL with ``sent_at`` NULL: given
# up), a claim moves it past the lease; sent rows are deleted after the retention (settings)
mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("to", String(254), nullable=False),
    Column("language", String(8), nullable=False),
    Column("template", String(40), nullable=False),
    Column("params", JSON, nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTC),
    Column("sent_at", UTC),
    Column("last_error", Text),
    Index(None, "next_attempt_at"),
    Index(None, "sent_at"),
)

# staff web sessions (cta.services.staff_sessions; migration 0013): the cookie's key is kept as
# its SHA-256 only; a user's web password (scrypt, cta.services.passwords) beside the users
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("user_name", String(100), nullable=False),
    Column("role", String(40), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("last_seen_at", UTC, nullable=False),
    Index(None, "last_seen_at"),
    Index(None, "created_at"),
)

web_passwords = Table(
    "web_passwords",
    metadata,
    Column("user_name", String(100), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("set_at", UTC, nullable=False),
)
