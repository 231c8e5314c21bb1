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
A person whose crossings show an overstay is marked ``overstayed``, as a recorded crossing
marks them, so that retention keeps them longer (``Node.purge``).
"""

from __future__ import annotations

import gc
import itertools
import json
import logging
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from cta.domain.checks import rule_overstays
from cta.domain.crossing_points import CrossingPoint, CrossingPoints
from cta.domain.days import FIRST_DAY, LAST_DAY
from cta.domain.documents import TravelDocument, parse_mrz
from cta.domain.documents.dates import birth_century_year
from cta.domain.errors import CTAError, StayError
from cta.domain.instants import rfc3339
from cta.domain.regime import NationalityRule
from cta.domain.roles import Permission, allows
from cta.domain.travellers import CrossingDay, stays_from_crossings
from cta.services.node import Actor, ConflictError, ForbiddenError, Node
from cta.services.ports import AuditEntry

log = logging.getLogger("cta.imports")

__all__ = [
    "AlreadyImportedError",
    "BulkSession",
    "BulkStore",
    "CrossingReader",
    "DocumentIdentity",
    "DocumentsFiledMeanwhile",
    "ImportCrossings",
    "ImportReport",
    "ImportedCrossing",
    "LineError",
    "import_crossings",
    "overstayed",
]

ACTION = "import crossings"  # the audit entry's action
BATCH = 20_000  # lines validated, then written, together
GC_EVERY = 50_000  # allocations between the collector's young passes while importing
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


class DocumentIdentity(NamedTuple):
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


class ImportedCrossing(NamedTuple):
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
    record: str  # its outbox record as JSON, but for the first member (``_record``)


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
        self._ours: dict[str, tuple[CrossingPoint, ZoneInfo, str]] = {}  # checked; code as JSON
        self._offsets: dict[tuple[str, date], timedelta | None] = {}  # (zone, UTC day)

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
        return self._crossing(number, line.direction, line.crossing_point, line.occurred_at,
                              line.officer, line.decision, line.mrz, line.document)  # fmt: skip

    def _crossing(
        self, number: int, direction: str, code: str, occurred_at: datetime, officer: str,
        decision: str, mrz: list[str] | None, document: _DocumentLine | None,
    ) -> ImportedCrossing:  # fmt: skip
        point = self._point(code, number)
        at, on = self._instant(occurred_at, point, number)
        if (mrz is None) == (document is None):
            raise LineError(number, "mrz", "give either mrz or document, not both, not neither")
        if mrz is not None:
            identity, lines = self._from_mrz(mrz, number, on), tuple(mrz)
        else:
            assert document is not None
            identity, lines = self._identity(document, number, on), None
        record = self._record(direction, point, at, on, decision, lines, identity)
        return ImportedCrossing(number, identity, direction, point, at, on, officer, decision,
                                lines, record)  # fmt: skip

    def _record(
        self, direction: str, point: CrossingPoint, at: datetime, on: date, decision: str,
        mrz: tuple[str, ...] | None, document: DocumentIdentity,
    ) -> str:  # fmt: skip
        """The outbox record of an imported crossing, as JSON, from its second member on: a
        recorded crossing's, with its document. Spelled out, for ``json.dumps`` cost more than
        all the rest; the writer puts ``{"person_id": N, `` before it."""
        code = self._ours[point.code][2]
        # direction and decision are literals, dates ISO; the strings come from json.dumps
        head = (f'"direction": "{direction}", "refused": false, "crossing_point": {code}, '
                f'"occurred_at": "{at.isoformat()}", "local_date": "{on.isoformat()}", '
                f'"decision": "{decision}", "imported": true, ')  # fmt: skip
        if mrz is not None:
            return f'{head}"mrz": {json.dumps(list(mrz))}}}'
        return f'{head}"document": {_document_json(document)}}}'

    def _point(self, code: str, number: int) -> CrossingPoint:
        """One of this node's external points: as a crossing recorded at the desk."""
        checked = self._ours.get(code)
        if checked is not None:
            return checked[0]
        point = self.points.get(code)
        if point is None:
            raise LineError(number, "crossing_point", f"{code!r} is not a known crossing point")
        if point.state != self.state:
            raise LineError(number, "crossing_point",
                            f"{code} is run by {point.state}: this node records {self.state}'s")
        if not point.is_external:
            raise LineError(number, "crossing_point",
                            f"{code} is on an internal border of the area: no record there")
        self._ours[code] = (point, point.zone, json.dumps(point.code))
        return point

    def _instant(
        self, occurred_at: datetime, point: CrossingPoint, number: int
    ) -> tuple[datetime, date]:
        """The time in UTC and the day on the point's calendar; never in the future, never
        outside the days CTA reasons about (``cta.domain.days``)."""
        try:
            at = occurred_at.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:30:00+01:00 is before the first UTC instant
            at = None
        if at is None or not FIRST_DAY <= at.date() <= LAST_DAY:
            raise LineError(number, "occurred_at", f"{occurred_at.isoformat()} is outside "
                            f"{FIRST_DAY} to {LAST_DAY}")  # fmt: skip
        if at > self.latest:
            raise LineError(number, "occurred_at", f"{occurred_at} is in the future")
        zone = self._ours[point.code][1]
        key = (point.time_zone, at.date())
        if key not in self._offsets:
            self._offsets[key] = _offset_all_day(zone, key[1])
        offset = self._offsets[key]
        if offset is None:  # the zone's offset changes that day: ask it each time
            return at, at.astimezone(zone).date()
        return at, (at + offset).date()

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
        codes = self.codes
        if d.issuing_state not in codes or d.nationality not in codes:
            name = "issuing_state" if d.issuing_state not in codes else "nationality"
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


_MIDNIGHT = time(tzinfo=UTC)
_LAST_MOMENT = time(23, 59, 59, 999_999, tzinfo=UTC)


def _offset_all_day(zone: ZoneInfo, day: date) -> timedelta | None:
    """The zone's UTC offset throughout the UTC day, or None if it changes during the day."""
    first = datetime.combine(day, _MIDNIGHT).astimezone(zone).utcoffset()
    last = datetime.combine(day, _LAST_MOMENT).astimezone(zone).utcoffset()
    return first if first == last else None


def _birth_date(raw: str, latest: date) -> date | None:
    """The birth date of YYMMDD by the MRZ's century rule; None if partly unknown."""
    if "<" in raw:
        return None
    yy, month, day = int(raw[:2]), int(raw[2:4]), int(raw[4:])
    return date(birth_century_year(yy, month, day, latest), month, day)  # ValueError if bad


def overstayed(days: Iterable[tuple[str, date]], on: date, rule: NationalityRule) -> bool:
    """Whether crossings (direction and day, in the order they happened) show an overstay.

    As a check finds it (``cta.domain.checks``): a day of presence beyond the stay limit in
    its window, or a single stay longer than the rule's ``per_entry``.
    """
    found = stays_from_crossings((CrossingDay(d, day) for d, day in days), on)
    try:
        return bool(rule_overstays(rule, found.stays))
    except StayError:  # crossings out of calendar order (zones apart): no count to trust
        return any(rule.per_entry is not None and s.days > rule.per_entry for s in found.stays)


# -- the store's side --------------------------------------------------------------------------


class BulkSession(Protocol):
    """One transaction of an import; rows go in many at a time."""

    def imports_of(self, sha256: str) -> list[dict[str, Any]]: ...
    def known_documents(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[int, int]]: ...
    def crossing_days(self, person_ids: Sequence[int]) -> dict[int, list[tuple[str, date]]]: ...
    def add_persons(self, rows: list[dict[str, Any]]) -> list[int]: ...
    def add_documents(self, rows: list[dict[str, Any]]) -> list[int]: ...
    def add_crossings(self, rows: list[dict[str, Any]]) -> None: ...
    def emit_many(
        self, kind: str, payloads: list[str], at: datetime, person_ids: list[int]
    ) -> list[int]: ...  # payloads as JSON text; answers their outbox seqs, in order
    def note_days(
        self, last_seen: dict[int, date], last_exits: dict[int, date], overstayers: set[int]
    ) -> None: ...
    def audit(self, entry: AuditEntry, at: datetime) -> None: ...
    def discard(self) -> None: ...


class BulkStore(Protocol):
    """Where imports write: ``cta.adapters.storage.bulk.SqlBulkStore``."""

    def session(self) -> AbstractContextManager[BulkSession]: ...


# -- the use case ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportCrossings:
    """The command: a file's name, its SHA-256, and its lines (1-based number, text). Lines
    that can be read again (a list, or an object whose ``iter`` starts over) let an import
    that another writer's document cut short be tried again (``DocumentsFiledMeanwhile``)."""

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


class DocumentsFiledMeanwhile(CTAError):
    """Another writer (a peer's record, a desk) filed a document this import was filing, after
    the import looked it up (PostgreSQL: the import looks documents up outside its own
    transaction, so that it never waits for its writes): nothing of the import was kept."""


ATTEMPTS = 3  # an import cut short by ``DocumentsFiledMeanwhile`` is tried again, this often


def import_crossings(
    node: Node, actor: Actor, command: ImportCrossings, store: BulkStore
) -> ImportReport:
    """Import a file of crossings in one transaction, with one audit entry (admins only).

    When another writer files one of the file's documents while it runs, the transaction
    ends with nothing kept, and the import starts over (up to ``ATTEMPTS`` times, if its
    lines can be read again): it then finds the document and files the crossing under it.
    """
    if not allows(actor.role, Permission.IMPORT):
        raise ForbiddenError(f"role {actor.role} may not import crossings")
    again = iter(command.lines) is not command.lines  # not an iterator: it reads anew
    attempt = 1
    while True:
        try:
            return _import(node, actor, command, store)
        except DocumentsFiledMeanwhile:
            if not again or attempt >= ATTEMPTS:
                raise
            attempt += 1
            log.info("import of %s: a document was filed meanwhile; attempt %d of %d",
                     command.source, attempt, ATTEMPTS)  # fmt: skip


def _import(
    node: Node, actor: Actor, command: ImportCrossings, store: BulkStore
) -> ImportReport:
    now = node.clock()
    codes = node.reference.countries.mrz_codes
    reader = CrossingReader(codes, node.crossing_points, node.state, now)
    report = ImportReport(command.source)
    with _fewer_collections(), store.session() as session:
        earlier = session.imports_of(command.sha256)
        if earlier:
            raise AlreadyImportedError(
                f"{command.source} was imported before ({_when(earlier[0])}); "
                "its crossings are recorded already"
            )
        writer = _Writer(session, now, _rules(node))
        read = _read_ahead(reader, _batches(command.lines, BATCH))
        try:
            for lines, crossings, errors in read:
                report.lines += lines
                report.skipped += len(errors)
                report.errors += errors[: max(0, MAX_ERRORS_KEPT - len(report.errors))]
                if report.skipped and command.all_or_nothing:
                    continue  # nothing will be kept: only count and name the bad lines
                writer.write(crossings, report)
        finally:
            read.close()  # and with it the worker process, if any
        if report.skipped and command.all_or_nothing:
            session.discard()
            report.rejected, report.imported = True, 0
            report.persons_created = report.documents_created = 0
        else:
            writer.finish()
            session.audit(_entry(actor, command, report), now)
    if report.rejected:  # the data is gone, the attempt is not: audit it on its own
        with store.session() as session:
            session.audit(_entry(actor, command, report), now)
    return report


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cyclic collector run less often while importing (and in the reading worker,
    forked meanwhile). An import makes millions of objects, none of them in cycles, and keeps
    many until its end; at the default of a pass every 700 allocations, the collector took a
    fifth of both processes' time, walking them again and again."""
    before = gc.get_threshold()
    gc.set_threshold(GC_EVERY, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _rules(node: Node) -> Callable[[date, str], NationalityRule]:
    """The rule for a nationality on a day, asked once for each regime version and code."""
    rules: dict[tuple[int, str], NationalityRule] = {}

    def rule(on: date, nationality: str) -> NationalityRule:
        regime = node.regime_on(on)
        key = (id(regime), nationality)
        if key not in rules:
            rules[key] = regime.rule_for(nationality)
        return rules[key]

    return rule


def _entry(actor: Actor, command: ImportCrossings, report: ImportReport) -> AuditEntry:
    detail = {"file": command.source, "sha256": command.sha256, "lines": report.lines,
              "imported": report.imported, "skipped": report.skipped,
              "persons_created": report.persons_created,
              "documents_created": report.documents_created, "rejected": report.rejected,
              "all_or_nothing": command.all_or_nothing}  # fmt: skip
    return AuditEntry(actor.name, actor.role.value, ACTION, actor.purpose, None, detail)


def _when(entry: dict[str, Any]) -> str:
    at = entry["at"]
    return f"at {rfc3339(at) if isinstance(at, datetime) else at} by {entry['user_name']}"


def _batches(lines: Iterable[Line], size: int) -> Iterator[list[Line]]:
    batch: list[Line] = []
    for item in lines:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


Read = tuple[int, list[ImportedCrossing], list[str]]  # a batch: lines, crossings, messages


def _read_ahead(reader: CrossingReader, batches: Iterator[list[Line]]) -> Iterator[Read]:
    """Each batch read; from the second on, in a worker process, one batch ahead of the writes.

    Reading (JSON, validation, dates) is a third of the work of an import and needs nothing
    from the database, so a file of several batches is read on another core while this one
    writes. The worker is forked: it starts at once with the reader as it is here, and never
    touches what else it inherits (the database connection, files); it ends with ``os._exit``
    (multiprocessing's way), so it closes nothing of the parent's either. Where there is no
    fork, or the file is one batch, this process reads it all.
    """
    first = next(batches, None)
    second = next(batches, None) if first is not None else None
    if second is None or "fork" not in multiprocessing.get_all_start_methods():
        for batch in itertools.chain((first, second), batches):
            if batch is not None:
                yield len(batch), *reader.read_batch(batch)
        return
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(1, mp_context=context, initializer=_start_reading,
                               initargs=(reader,))  # fmt: skip
    try:
        ahead = (len(second), pool.submit(_read_here, second))
        yield len(first), *reader.read_batch(first)  # while the worker starts
        for batch in batches:
            current, ahead = ahead, (len(batch), pool.submit(_read_here, batch))
            yield current[0], *_unpacked(*current[1].result())
        yield ahead[0], *_unpacked(*ahead[1].result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_WORKER_READER: list[CrossingReader] = []  # in a worker process: its reader
Packed = tuple[Any, ...]  # an ImportedCrossing as a plain tuple, its document one too


def _start_reading(reader: CrossingReader) -> None:
    _WORKER_READER.append(reader)


def _read_here(batch: list[Line]) -> tuple[list[Packed], list[str]]:
    """A batch read in the worker, its crossings as plain tuples for the trip back, and equal
    dates and times as one object, which pickle then sends once. A named tuple is pickled
    and unpickled through Python-level methods, and a date as a call each: the two took the
    worker and the writing process more time than reading the lines."""
    crossings, errors = _WORKER_READER[0].read_batch(batch)
    same: dict[date, date] = {}

    def plain(values: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple([same.setdefault(v, v) if isinstance(v, date) else v for v in values])

    return [plain((c[0], plain(c[1]), *c[2:])) for c in crossings], errors


def _unpacked(packed: list[Packed], errors: list[str]) -> tuple[list[ImportedCrossing], list[str]]:
    new = tuple.__new__  # the named tuples again, without a Python call each
    return [new(ImportedCrossing, (c[0], new(DocumentIdentity, c[1]), *c[2:]))
            for c in packed], errors  # fmt: skip


class _Traveller:
    """A person's crossings in this import, in file order: for the overstay, at the end."""

    __slots__ = ("crossings", "nationality")

    def __init__(self, nationality: str) -> None:
        self.nationality = nationality
        self.crossings: list[tuple[datetime, str, date]] = []


class _Writer:
    """Files the valid crossings of each batch: documents and persons first, then crossings."""

    def __init__(
        self, session: BulkSession, now: datetime, rule: Callable[[date, str], NationalityRule]
    ) -> None:
        self.session = session
        self.now = now
        self.rule = rule
        self.known: dict[tuple[str, str], tuple[int, int]] = {}  # this import's documents
        self.last_seen: dict[int, date] = {}  # the persons' latest days in this import
        self.last_exits: dict[int, date] = {}
        self.created: dict[int, _Traveller] = {}  # persons this import files
        self.found: dict[int, str] = {}  # persons on record before: their nationality
        # what the persons this import files were written with: (last_seen, last_exit)
        self.written: dict[int, tuple[date, date | None]] = {}

    def write(self, crossings: list[ImportedCrossing], report: ImportReport) -> None:
        if not crossings:
            return
        self._file_documents(crossings, report)
        rows, payloads, person_ids = [], [], []
        known, last_seen, last_exits = self.known, self.last_seen, self.last_exits
        created, now, minimum = self.created, self.now, date.min
        for c in crossings:
            person_id, document_id = known[c.document.key]
            on = c.local_date
            rows.append({
                "person_id": person_id, "document_id": document_id, "direction": c.direction,
                "crossing_point": c.point.code, "occurred_at": c.occurred_at,
                "time_zone": c.point.time_zone, "local_date": on, "officer": c.officer,
                "decision": c.decision, "override_reason": None, "recorded_at": now,
            })  # fmt: skip
            payloads.append(f'{{"person_id": {person_id}, {c.record}')
            person_ids.append(person_id)
            if on > last_seen.get(person_id, minimum):
                last_seen[person_id] = on
            if c.direction == "exit" and on > last_exits.get(person_id, minimum):
                last_exits[person_id] = on
            traveller = created.get(person_id)
            if traveller is not None:
                traveller.crossings.append((c.occurred_at, c.direction, on))
            elif person_id not in self.found:
                self.found[person_id] = c.document.nationality
        # each crossing keeps the outbox row of its record, which a correction supersedes
        seqs = self.session.emit_many("CrossingRecorded", payloads, self.now, person_ids)
        for row, seq in zip(rows, seqs, strict=True):
            row["outbox_seq"] = seq
        self.session.add_crossings(rows)
        report.imported += len(rows)

    def _file_documents(self, crossings: list[ImportedCrossing], report: ImportReport) -> None:
        """Documents (and their holders) not met before: found on record, or filed now.

        A new person is written with the last day seen and last exit of their crossings in
        this batch, so that ``finish`` updates only those whose later crossings moved them
        (an update of every new person cost the server as much as a third of their inserts).
        """
        new: dict[tuple[str, str], DocumentIdentity] = {}
        days: dict[tuple[str, str], tuple[date, date | None]] = {}  # last day seen, last exit
        for c in crossings:
            key, on = c.document.key, c.local_date
            if key in self.known:
                continue
            if key not in new:
                new[key] = c.document
            seen, left = days.get(key, (on, None))
            if c.direction == "exit" and (left is None or on > left):
                left = on
            days[key] = (max(seen, on), left)
        if not new:
            return
        self.known.update(self.session.known_documents(list(new)))
        unknown = [d for key, d in new.items() if key not in self.known]
        if not unknown:
            return
        person_ids = self.session.add_persons([
            {"surname": d.surname, "given_names": d.given_names, "nationality": d.nationality,
             "birth_date": d.birth_date, "birth_date_raw": d.birth_date_raw, "sex": d.sex,
             "created_at": self.now, "last_exit": days[d.key][1], "last_seen": days[d.key][0],
             "overstayed": False}
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
            self.created[p] = _Traveller(d.nationality)
            self.written[p] = days[d.key]
        report.persons_created += len(unknown)
        report.documents_created += len(unknown)

    def finish(self) -> None:
        """Persons' last days seen and exits (retention counts from them), and overstays:
        for persons on record before, those filed with other days, and overstayers."""
        overstayers = self._overstayers()
        last_exits, written = self.last_exits, self.written
        changed = {p: on for p, on in self.last_seen.items()
                   if p in overstayers or written.get(p) != (on, last_exits.get(p))}  # fmt: skip
        if changed:
            self.session.note_days(changed, last_exits, overstayers)

    def _overstayers(self) -> set[int]:
        """The persons of this import whose crossings, all of them, show an overstay."""
        found: set[int] = set()
        for person_id, traveller in self.created.items():
            days = traveller.crossings
            if not days:
                continue
            last = max(day for _, _, day in days)
            rule = self.rule(last, traveller.nationality)
            shortest = min(rule.stay.limit if rule.stay else 1 << 30, rule.per_entry or 1 << 30)
            if (last - min(day for _, _, day in days)).days + 1 <= shortest:
                continue  # too few days in all for any limit to be passed
            ordered = sorted(days, key=lambda d: d[0])
            if overstayed([(d, on) for _, d, on in ordered], last, rule):
                found.add(person_id)
        ids = list(self.found)
        for start in range(0, len(ids), 10_000):
            chunk = ids[start : start + 10_000]
            for person_id, days in self.session.crossing_days(chunk).items():
                last = max(day for _, day in days)
                if overstayed(days, last, self.rule(last, self.found[person_id])):
                    found.add(person_id)
        return found


_NULL = "null"


def _document_json(d: DocumentIdentity) -> str:
    """``json.dumps(d.to_json())``, spelled out: every string of it matched a pattern of
    letters, digits, spaces and ``<`` (``_DocumentLine``), so none needs escaping."""
    sex = _NULL if d.sex is None else f'"{d.sex}"'
    expiry = _NULL if d.expiry_date is None else f'"{d.expiry_date.isoformat()}"'
    return (f'{{"issuing_state": "{d.issuing_state}", "document_number": "{d.document_number}", '
            f'"document_code": "{d.document_code}", "nationality": "{d.nationality}", '
            f'"surname": "{d.surname}", "given_names": "{d.given_names}", '
            f'"birth_date_raw": "{d.birth_date_raw}", "sex": {sex}, "expiry_date": {expiry}}}')
