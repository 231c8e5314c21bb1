"""Bulk import of crossings from a JSON Lines file: a legacy system's records, a node's history.

One crossing per line, with the traveller's document as its MRZ or as its fields (README,
"Bulk import of crossings")::

    {"direction": "entry", "crossing_point": "GEO-TBS",
     "occurred_at": "2026-05-01T08:15:00+04:00", "officer": "officer.tbs.01",
     "document": {"issuing_state": "GEO", "document_number": "12AB34567", "nationality": "GEO",
                  "surname": "TESTER", "given_names": "ANNA", "birth_date_raw": "900517",
                  "sex": "F", "expiry_date": "2031-05-16"}}

Every line is validated on its own; a bad line is reported (line and field) and skipped, or,
with ``all_or_nothing``, nothing is kept. Persons and documents are found, or created, by
(issuing_state, document_number), as a recorded crossing files them. The whole import is one
transaction: it is kept whole or not at all, and has ONE audit entry (who, which file, how
many). Every crossing emits its ``CrossingRecorded`` record to the outbox, as a crossing
recorded at the desk does, so that the federation sees imported crossings like any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from cta.domain.crossing_points import CrossingPoint, CrossingPoints
from cta.domain.documents import TravelDocument, parse_mrz
from cta.domain.documents.dates import birth_century_year
from cta.domain.errors import CTAError
from cta.domain.roles import Permission, allows
from cta.services.node import Actor, ConflictError, ForbiddenError, Node
from cta.services.ports import AuditEntry

__all__ = [
    "AlreadyImportedError",
    "BulkSession",
    "BulkStore",
    "CrossingReader",
    "DocumentIdentity",
    "ImportCrossings",
    "ImportReport",
    "ImportedCrossing",
    "LineError",
    "import_crossings",
]

ACTION = "import crossings"  # the audit entry's action
BATCH = 20_000  # lines validated, then written, together
MAX_ERRORS_KEPT = 1_000  # messages kept in the report; every bad line is counted

Line = tuple[int, str | bytes]  # a line's number, and its text
_CODE = Annotated[str, Field(pattern=r"^[A-Z]{1,3}$")]


class _DocumentLine(BaseModel):
    """The ``document`` object of a line: the fields as the MRZ prints them, fillers as spaces."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    issuing_state: _CODE
    document_number: Annotated[str, Field(pattern=r"^[A-Z0-9]{1,30}$")]
    nationality: _CODE
    surname: Annotated[str, Field(pattern=r"^[A-Z][A-Z ]{0,199}$")]
    given_names: Annotated[str, Field(pattern=r"^[A-Z ]{0,200}$")] = ""
    birth_date_raw: Annotated[str, Field(pattern=r"^[0-9]{2}([0-9]{2}|<<)([0-9]{2}|<<)$")]
    sex: Literal["M", "F"] | None = None
    expiry_date: date | None = None
    document_code: Annotated[str, Field(pattern=r"^[A-Z][A-Z<]?$")] = "P"


class _CrossingLine(BaseModel):
    """One line of an import file (README, "Bulk import of crossings")."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    direction: Literal["entry", "exit"]
    crossing_point: Annotated[str, Field(max_length=40)]
    occurred_at: AwareDatetime
    officer: Annotated[str, Field(pattern=r"^[\w.@-]{1,100}$")]
    decision: Literal["admit", "refer", "refuse"] = "admit"
    mrz: Annotated[list[Annotated[str, Field(max_length=60)]],
                   Field(min_length=2, max_length=3)] | None = None  # fmt: skip
    document: _DocumentLine | None = None


class LineError(CTAError):
    """A line of an import file that cannot be imported: which line, which field, why."""

    def __init__(self, line: int, field: str | None, problem: str) -> None:
        self.line = line
        self.field = field
        self.problem = problem
        where = f"line {line}: {field}: " if field else f"line {line}: "
        super().__init__(where + problem)


class AlreadyImportedError(ConflictError):
    """The same file (by its SHA-256) was imported before."""


@dataclass(frozen=True, slots=True)
class DocumentIdentity:
    """The document a crossing was made on, and its holder as the document names them."""

    issuing_state: str
    document_number: str
    document_code: str
    nationality: str
    surname: str
    given_names: str
    birth_date_raw: str
    birth_date: date | None
    sex: str | None
    expiry_date: date | None

    @property
    def key(self) -> tuple[str, str]:
        return self.issuing_state, self.document_number

    def to_json(self) -> dict[str, Any]:
        return {
            "issuing_state": self.issuing_state, "document_number": self.document_number,
            "document_code": self.document_code, "nationality": self.nationality,
            "surname": self.surname, "given_names": self.given_names,
            "birth_date_raw": self.birth_date_raw, "sex": self.sex,
            "expiry_date": self.expiry_date.isoformat() if self.expiry_date else None,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class ImportedCrossing:
    """One valid line: a crossing, its document, and where and when it happened."""

    line: int
    document: DocumentIdentity
    direction: str
    point: CrossingPoint
    occurred_at: datetime  # UTC
    local_date: date
    officer: str
    decision: str
    mrz: tuple[str, ...] | None


class CrossingReader:
    """Reads and validates lines of the import format against the node's reference data."""

    def __init__(
        self, codes: frozenset[str], points: CrossingPoints, state: str, now: datetime
    ) -> None:
        self.codes = codes  # the country codes an MRZ may print
        self.points = points
        self.state = state
        self.now = now
        self.latest = now + timedelta(minutes=5)

    def read_batch(self, batch: list[Line]) -> tuple[list[ImportedCrossing], list[str]]:
        """The valid crossings of a batch, and a message for every bad line."""
        crossings, errors = [], []
        for number, text in batch:
            try:
                crossings.append(self.read(number, text))
            except LineError as exc:
                errors.append(str(exc))
        return crossings, errors

    def read(self, number: int, text: str | bytes) -> ImportedCrossing:
        """The crossing of line ``number``, or a ``LineError`` naming what is wrong."""
        try:
            line = _CrossingLine.model_validate_json(text)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or None
            raise LineError(number, where, first["msg"]) from None
        point = self._point(line.crossing_point, number)
        at = line.occurred_at.astimezone(UTC)
        if at > self.latest:
            raise LineError(number, "occurred_at", f"{line.occurred_at} is in the future")
        on = at.astimezone(point.zone).date()
        if (line.mrz is None) == (line.document is None):
            raise LineError(number, "mrz", "give either mrz or document, not both, not neither")
        if line.mrz is not None:
            document, mrz = self._from_mrz(line.mrz, number, on), tuple(line.mrz)
        else:
            assert line.document is not None
            document, mrz = self._identity(line.document, number, on), None
        return ImportedCrossing(number, document, line.direction, point, at, on, line.officer,
                                line.decision, mrz)  # fmt: skip

    def _point(self, code: str, number: int) -> CrossingPoint:
        """One of this node's external points: as a crossing recorded at the desk."""
        point = self.points.get(code)
        if point is None:
            raise LineError(number, "crossing_point", f"{code!r} is not a known crossing point")
        if point.state != self.state:
            raise LineError(number, "crossing_point",
                            f"{code} is run by {point.state}: this node records {self.state}'s")
        if not point.is_external:
            raise LineError(number, "crossing_point",
                            f"{code} is on an internal border of the area: no record there")
        return point

    def _from_mrz(self, lines: list[str], number: int, on: date) -> DocumentIdentity:
        read: TravelDocument = parse_mrz(lines, today=on, known_codes=self.codes)
        if not read.valid:
            raise LineError(number, f"mrz.{read.errors[0].field}", read.errors[0].message)
        return DocumentIdentity(
            read.issuing_state, read.document_number, read.document_code, read.nationality,
            read.surname, read.given_names, read.birth_date_raw, read.birth_date, read.sex,
            read.expiry_date,
        )  # fmt: skip

    def _identity(self, d: _DocumentLine, number: int, on: date) -> DocumentIdentity:
        for name in ("issuing_state", "nationality"):
            if getattr(d, name) not in self.codes:
                raise LineError(number, f"document.{name}", f"{getattr(d, name)!r} is not a "
                                "country code of the MRZ (Doc 9303 Part 3)")  # fmt: skip
        try:
            birth = _birth_date(d.birth_date_raw, min(on, d.expiry_date or on))
        except ValueError:
            raise LineError(number, "document.birth_date_raw",
                            f"{d.birth_date_raw} is not a calendar date") from None
        return DocumentIdentity(d.issuing_state, d.document_number, d.document_code.rstrip("<"),
                                d.nationality, d.surname.strip(), d.given_names.strip(),
                                d.birth_date_raw, birth, d.sex, d.expiry_date)  # fmt: skip


def _birth_date(raw: str, latest: date) -> date | None:
    """The birth date of YYMMDD by the MRZ's century rule; None if partly unknown."""
    if "<" in raw:
        return None
    yy, month, day = int(raw[:2]), int(raw[2:4]), int(raw[4:])
    return date(birth_century_year(yy, month, day, latest), month, day)  # ValueError if bad


# -- the store's side --------------------------------------------------------------------------


class BulkSession(Protocol):
    """One transaction of an import; rows go in many at a time."""

    def imports_of(self, sha256: str) -> list[dict[str, Any]]: ...
    def known_documents(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[int, int]]: ...
    def add_persons(self, rows: list[dict[str, Any]]) -> list[int]: ...
    def add_documents(self, rows: list[dict[str, Any]]) -> list[int]: ...
    def add_crossings(self, rows: list[dict[str, Any]]) -> None: ...
    def emit_many(
        self, kind: str, payloads: list[dict[str, Any]], at: datetime, person_ids: list[int]
    ) -> None: ...
    def note_days(self, last_seen: dict[int, date], last_exits: dict[int, date]) -> None: ...
    def audit(self, entry: AuditEntry, at: datetime) -> None: ...
    def discard(self) -> None: ...


class BulkStore(Protocol):
    """Where imports write: ``cta.adapters.storage.bulk.SqlBulkStore``."""

    def session(self) -> AbstractContextManager[BulkSession]: ...


# -- the use case ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportCrossings:
    """The command: a file's name, its SHA-256, and its lines (1-based number, text)."""

    source: str
    sha256: str
    lines: Iterable[tuple[int, str | bytes]]
    all_or_nothing: bool = False


@dataclass
class ImportReport:
    """What an import did; ``errors`` keeps the first messages, ``skipped`` counts them all."""

    source: str
    lines: int = 0
    imported: int = 0
    skipped: int = 0
    persons_created: int = 0
    documents_created: int = 0
    rejected: bool = False  # all or nothing, and some line was bad: nothing kept
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"file": self.source, "lines": self.lines, "imported": self.imported,
                "skipped": self.skipped, "persons_created": self.persons_created,
                "documents_created": self.documents_created, "rejected": self.rejected,
                "errors": self.errors}  # fmt: skip


def import_crossings(
    node: Node, actor: Actor, command: ImportCrossings, store: BulkStore
) -> ImportReport:
    """Import a file of crossings in one transaction, with one audit entry (admins only)."""
    if not allows(actor.role, Permission.IMPORT):
        raise ForbiddenError(f"role {actor.role} may not import crossings")
    now = node.clock()
    codes = node.reference.countries.mrz_codes
    reader = CrossingReader(codes, node.crossing_points, node.state, now)
    report = ImportReport(command.source)
    with store.session() as session:
        earlier = session.imports_of(command.sha256)
        if earlier:
            raise AlreadyImportedError(
                f"{command.source} was imported before ({_when(earlier[0])}); "
                "its crossings are recorded already"
            )
        writer = _Writer(session, now)
        for batch in _batches(command.lines, BATCH):
            crossings, errors = reader.read_batch(batch)
            report.lines += len(batch)
            report.skipped += len(errors)
            report.errors += errors[: max(0, MAX_ERRORS_KEPT - len(report.errors))]
            writer.write(crossings, report)
        writer.finish()
        if report.skipped and command.all_or_nothing:
            session.discard()
            report.rejected, report.imported = True, 0
            report.persons_created = report.documents_created = 0
        else:
            session.audit(_entry(actor, command, report), now)
    if report.rejected:  # the data is gone, the attempt is not: audit it on its own
        with store.session() as session:
            session.audit(_entry(actor, command, report), now)
    return report


def _entry(actor: Actor, command: ImportCrossings, report: ImportReport) -> AuditEntry:
    detail = {"file": command.source, "sha256": command.sha256, "lines": report.lines,
              "imported": report.imported, "skipped": report.skipped,
              "persons_created": report.persons_created,
              "documents_created": report.documents_created, "rejected": report.rejected,
              "all_or_nothing": command.all_or_nothing}  # fmt: skip
    return AuditEntry(actor.name, actor.role.value, ACTION, actor.purpose, None, detail)


def _when(entry: dict[str, Any]) -> str:
    return f"at {entry['at']} by {entry['user_name']}"


def _batches(lines: Iterable[Line], size: int) -> Iterator[list[Line]]:
    batch: list[Line] = []
    for item in lines:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Writer:
    """Files the valid crossings of each batch: documents and persons first, then crossings."""

    def __init__(self, session: BulkSession, now: datetime) -> None:
        self.session = session
        self.now = now
        self.known: dict[tuple[str, str], tuple[int, int]] = {}  # this import's documents
        self.last_seen: dict[int, date] = {}  # the persons' latest days in this import
        self.last_exits: dict[int, date] = {}

    def write(self, crossings: list[ImportedCrossing], report: ImportReport) -> None:
        if not crossings:
            return
        self._file_documents(crossings, report)
        rows, payloads, person_ids = [], [], []
        for c in crossings:
            person_id, document_id = self.known[c.document.key]
            rows.append({
                "person_id": person_id, "document_id": document_id, "direction": c.direction,
                "crossing_point": c.point.code, "occurred_at": c.occurred_at,
                "time_zone": c.point.time_zone, "local_date": c.local_date,
                "officer": c.officer, "decision": c.decision, "override_reason": None,
                "recorded_at": self.now,
            })  # fmt: skip
            payloads.append(_payload(c, person_id))
            person_ids.append(person_id)
            if c.local_date > self.last_seen.get(person_id, date.min):
                self.last_seen[person_id] = c.local_date
            if c.direction == "exit" and c.local_date > self.last_exits.get(person_id, date.min):
                self.last_exits[person_id] = c.local_date
        self.session.add_crossings(rows)
        self.session.emit_many("CrossingRecorded", payloads, self.now, person_ids)
        report.imported += len(rows)

    def _file_documents(self, crossings: list[ImportedCrossing], report: ImportReport) -> None:
        new: dict[tuple[str, str], DocumentIdentity] = {}
        for c in crossings:
            if c.document.key not in self.known:
                new.setdefault(c.document.key, c.document)
        if not new:
            return
        self.known.update(self.session.known_documents(list(new)))
        unknown = [d for key, d in new.items() if key not in self.known]
        if not unknown:
            return
        person_ids = self.session.add_persons([
            {"surname": d.surname, "given_names": d.given_names, "nationality": d.nationality,
             "birth_date": d.birth_date, "birth_date_raw": d.birth_date_raw, "sex": d.sex,
             "created_at": self.now, "last_exit": None, "last_seen": None, "overstayed": False}
            for d in unknown
        ])  # fmt: skip
        document_ids = self.session.add_documents([
            {"person_id": p, "document_code": d.document_code, "issuing_state": d.issuing_state,
             "document_number": d.document_number, "expiry_date": d.expiry_date,
             "first_seen": self.now}
            for d, p in zip(unknown, person_ids, strict=True)
        ])  # fmt: skip
        for d, p, i in zip(unknown, person_ids, document_ids, strict=True):
            self.known[d.key] = (p, i)
        report.persons_created += len(unknown)
        report.documents_created += len(unknown)

    def finish(self) -> None:
        """Persons' last days seen and exits (retention counts from them), once at the end."""
        if self.last_seen:
            self.session.note_days(self.last_seen, self.last_exits)


def _payload(c: ImportedCrossing, person_id: int) -> dict[str, Any]:
    """The outbox record of an imported crossing: a recorded one's, with its document."""
    payload: dict[str, Any] = {
        "person_id": person_id, "direction": c.direction, "refused": False,
        "crossing_point": c.point.code, "occurred_at": c.occurred_at.isoformat(),
        "local_date": c.local_date.isoformat(), "decision": c.decision, "imported": True,
    }  # fmt: skip
    if c.mrz is not None:
        payload["mrz"] = list(c.mrz)
    else:
        payload["document"] = c.document.to_json()
    return payload
