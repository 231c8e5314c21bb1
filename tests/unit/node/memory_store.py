"""An in-memory twin of the SQL store, for fast unit tests of the node's use cases.

It keeps rows in dicts and gives a transaction a copy of them, put back only when the block
ends without an error: the same all-or-nothing the real store has. Integration tests use the
real store on SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from cta.adapters.storage.store import DuplicateError
from cta.services.ports import (
    AlertRow,
    AuditEntry,
    CheckHistory,
    CrossingRow,
    DocumentRow,
    PersonRow,
    RefusalRow,
    UserRow,
)

_TABLES = ("persons", "documents", "crossings", "refusals", "visas", "authorizations",
           "alerts", "alert_changes", "alert_decisions", "audit", "outbox", "users",
           "idempotency", "records", "sequences", "mail_outbox", "internal_checks",
           "internal_check_records")  # fmt: skip


class MemoryTransaction:
    def __init__(self, tables: dict[str, dict[Any, dict[str, Any]]]) -> None:
        self.t = tables

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """The SQL store's savepoint: the block's writes undone if it raises."""
        kept = copy.deepcopy(self.t)
        try:
            yield
        except BaseException:
            self.t.clear()
            self.t.update(kept)
            raise

    def _add(self, table: str, fields: dict[str, Any]) -> int:
        rows = self.t[table]
        new_id = max(rows, default=0) + 1
        rows[new_id] = {"id": new_id, **fields}
        return new_id

    def _of(self, table: str, person_id: int) -> list[dict[str, Any]]:
        return [r for _, r in sorted(self.t[table].items()) if r["person_id"] == person_id]

    def find_document(self, issuing_state: str, number: str) -> DocumentRow | None:
        for row in self.t["documents"].values():
            if (row["issuing_state"], row["document_number"]) == (issuing_state, number):
                return DocumentRow(**row)
        return None

    def document_owner(self, issuing_state: str, number: str) -> int | None:
        found = self.find_document(issuing_state, number)
        return found.person_id if found else None

    def document_key(self, issuing_state: str, number: str) -> tuple[int, int] | None:
        found = self.find_document(issuing_state, number)
        return (found.person_id, found.id) if found else None

    def check_history(self, person_id: int) -> CheckHistory:
        days = [(c.direction, c.local_date) for c in self.crossings_of(person_id)]
        return CheckHistory(days, self.visas_of(person_id), self.authorizations_of(person_id))

    def document_histories(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[int, CheckHistory]]:
        return {(k[0], k[1]): (found[0], self.check_history(found[0])) for k in keys
                if (found := self.document_key(k[0], k[1])) is not None}  # fmt: skip

    def person(self, person_id: int) -> PersonRow | None:
        row = self.t["persons"].get(person_id)
        return PersonRow(**row) if row else None

    def candidates(self, nationality: str, birth_date_raw: str, surname: str) -> list[PersonRow]:
        key = (nationality, birth_date_raw, surname)
        return [PersonRow(**r) for r in self.t["persons"].values()
                if (r["nationality"], r["birth_date_raw"], r["surname"]) == key]  # fmt: skip

    def add_person(self, **fields: Any) -> int:
        return self._add("persons", {"last_seen": None, **fields})

    def add_document(self, **fields: Any) -> int:
        if self.find_document(fields["issuing_state"], fields["document_number"]):
            raise DuplicateError("document already recorded")
        return self._add("documents", fields)

    def documents_of(self, person_id: int) -> list[DocumentRow]:
        return [DocumentRow(**r) for r in self._of("documents", person_id)]

    def crossings_of(self, person_id: int) -> list[CrossingRow]:
        rows = sorted(self._of("crossings", person_id), key=lambda r: (r["occurred_at"], r["id"]))
        return [CrossingRow(**r) for r in rows]

    def refusals_of(self, person_id: int) -> list[RefusalRow]:
        return [RefusalRow(**r) for r in self._of("refusals", person_id)]

    def visas_of(self, person_id: int) -> list[dict[str, Any]]:
        return self._of("visas", person_id)

    def authorizations_of(self, person_id: int) -> list[dict[str, Any]]:
        return self._of("authorizations", person_id)

    def data_heads(self) -> list[tuple[str, int, datetime | None, datetime | None, int]]:
        return []

    def alert_watermark(self) -> int:
        return max(self.t["alert_changes"], default=0)

    def alert_changes_after(self, seq: int, limit: int) -> list[tuple[int, str]]:
        return [(s, r["alert_id"]) for s, r in sorted(self.t["alert_changes"].items())
                if s > seq][:limit]  # fmt: skip

    def alerts_by_id(self, ids: Sequence[str]) -> list[AlertRow]:
        return [AlertRow(**self.t["alerts"][i]) for i in ids if i in self.t["alerts"]]

    def alert(self, alert_id: str) -> AlertRow | None:
        found = self.alerts_by_id([alert_id])
        return found[0] if found else None

    def alert_page(self, after: str, limit: int, *, active_only: bool) -> list[AlertRow]:
        rows = [AlertRow(**r) for i, r in sorted(self.t["alerts"].items()) if i > after]
        return [r for r in rows if not active_only or r.withdrawn_at is None][:limit]

    def alert_texts(self, after: str, limit: int) -> list[tuple[str, str]]:
        return [(row.id, json.dumps(row.record))
                for row in self.alert_page(after, limit, active_only=True)]  # fmt: skip

    def alert_heads(self, ids: Sequence[str]) -> dict[str, tuple[int, int | None]]:
        return {i: (r["version"], r["outbox_seq"]) for i in ids
                if (r := self.t["alerts"].get(i)) is not None}  # fmt: skip

    def put_alerts(self, records: Sequence[dict[str, Any]], at: datetime,
                   outbox_seqs: dict[str, int] | None = None) -> dict[str, int]:  # fmt: skip
        versions = {}
        for record in records:
            old = self.t["alerts"].get(record["id"])
            version = 1 if old is None else old["version"] + 1
            self.t["alerts"][record["id"]] = {
                "id": record["id"], "category": record["category"],
                "issuing_state": record.get("issuing_state"), "record": copy.deepcopy(record),
                "version": version, "created_at": old["created_at"] if old else at,
                "changed_at": at, "withdrawn_at": None,
                "outbox_seq": (outbox_seqs or {}).get(record["id"])}  # fmt: skip
            self._add("alert_changes", {"alert_id": record["id"], "change": "put", "at": at})
            versions[record["id"]] = version
        return versions

    def withdraw_alert(
        self, alert_id: str, at: datetime, outbox_seq: int | None = None
    ) -> AlertRow | None:
        row = self.t["alerts"].get(alert_id)
        if row is None or row["withdrawn_at"] is not None:
            return None
        row.update(withdrawn_at=at, changed_at=at, version=row["version"] + 1,
                   outbox_seq=outbox_seq)  # fmt: skip
        self._add("alert_changes", {"alert_id": alert_id, "change": "withdraw", "at": at})
        return AlertRow(**row)

    def add_alert_decision(self, **fields: Any) -> int:
        return self._add("alert_decisions", fields)

    def delete_peer_decisions(self, refs: Sequence[tuple[str, int]]) -> None:
        named = set(refs)
        for key, row in list(self.t["alert_decisions"].items()):
            if (row.get("origin"), row.get("record_seq")) in named:
                del self.t["alert_decisions"][key]

    def alert_decisions_for(self, issuing_state: str, number: str) -> list[dict[str, Any]]:
        return [r for _, r in sorted(self.t["alert_decisions"].items())
                if (r["issuing_state"], r["document_number"]) == (issuing_state, number)]

    def meta(self, key: str) -> str | None:
        return {"alerts_epoch": "memory"}.get(key)

    # federation: the records this node holds, by (origin, seq)

    def chain_head(self, origin: str, *, lock: bool = False) -> None:
        return None

    def hold_against_purge(self, *, purge: bool) -> None:
        pass  # one transaction at a time here

    def records_of_person(self, person_id: int) -> list[tuple[str, int, dict[str, Any]]]:
        return [(o, s, r["wire"]) for (o, s), r in sorted(self.t["records"].items())
                if r["person_id"] == person_id]  # fmt: skip

    def replace_record_wire(self, origin: str, seq: int, wire: dict[str, Any]) -> None:
        self.t["records"][(origin, seq)].update(wire=wire, person_id=None)

    def add_records(self, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            self.t["records"][(row["origin"], row["seq"])] = dict(row)

    def add_crossing(self, **fields: Any) -> int:
        return self._add("crossings", fields)

    def add_refusal(self, **fields: Any) -> int:
        return self._add("refusals", fields)

    def add_visa(self, **fields: Any) -> int:
        return self._add("visas", fields)

    def add_authorization(self, **fields: Any) -> int:
        return self._add("authorizations", fields)

    def next_in_sequence(self, key: str) -> int:
        number = int(self.t["sequences"].get(key, {"value": 0})["value"]) + 1
        self.t["sequences"][key] = {"value": number}
        return number

    def visa_by_number(self, number: str) -> dict[str, Any] | None:
        found = [r for r in self.t["visas"].values() if r.get("visa_number") == number]
        return found[0] if found else None
    def add_mail(self, **fields: Any) -> None:
        self._add("mail_outbox", fields)

    def audit(self, entry: AuditEntry, at: datetime) -> None:
        self._add("audit", {"at": at, "user_name": entry.user_name, "role": entry.role,
                            "action": entry.action, "person_id": entry.person_id,
                            "purpose": entry.purpose, "detail": entry.detail or {}})  # fmt: skip

    # temporary checks at internal borders
    def add_reintroduction(self, **fields: Any) -> int:
        return self._add("internal_checks", fields)

    def set_reintroduction_ref(self, row_id: int, ref: str) -> None:
        self.t["internal_checks"][row_id]["ref"] = ref

    def reintroduction(self, ref: str, *, lock: bool = False) -> dict[str, Any] | None:
        return next((dict(r) for r in self.t["internal_checks"].values() if r["ref"] == ref),
                    None)  # fmt: skip

    def reintroductions(
        self, *, state: str | None = None, started_by: date | None = None
    ) -> list[dict[str, Any]]:
        rows = [dict(r) for r in self.t["internal_checks"].values()
                if (state is None or r["state"] == state)
                and (started_by is None or r["first_day"] <= started_by)]  # fmt: skip
        return sorted(rows, key=lambda r: (r["first_day"], r["id"]), reverse=True)

    def update_reintroduction(self, ref: str, **fields: Any) -> None:
        for row in self.t["internal_checks"].values():
            if row["ref"] == ref:
                row.update(fields)

    def add_internal_check(self, **fields: Any) -> int:
        return self._add("internal_check_records", fields)

    def delete_internal_checks_before(self, before: datetime) -> int:
        rows = self.t["internal_check_records"]
        gone = [i for i, r in rows.items() if r["occurred_at"] < before]
        for i in gone:
            del rows[i]
        return len(gone)

    def delete_audit_entries(self, actions: Sequence[str], before: datetime) -> int:
        gone = [i for i, r in self.t["audit"].items() if r["action"] in actions
                and r["at"] < before]  # fmt: skip
        for i in gone:
            del self.t["audit"][i]
        return len(gone)

    def audit_of(self, person_id: int) -> list[dict[str, Any]]:
        return [r for r in self.t["audit"].values() if r["person_id"] == person_id]

    def audit_page(self, after: int, limit: int) -> list[dict[str, Any]]:
        return [r for i, r in sorted(self.t["audit"].items()) if i > after][:limit]

    def emit(
        self, kind: str, payload: dict[str, Any], at: datetime, person_id: int | None = None,
        *, supersedes: int | None = None,
    ) -> int:
        return self._add("outbox", {"at": at, "kind": kind, "payload": payload,
                                    "person_id": person_id, "supersedes": supersedes})  # fmt: skip

    # record references: corrections, revocations, identity links

    def record_seq_of_outbox(self, outbox_seq: int) -> int | None:
        return next((seq for (_, seq), r in self.t["records"].items()
                     if r.get("outbox_seq") == outbox_seq), None)  # fmt: skip

    def row(self, table: str, row_id: int) -> dict[str, Any] | None:
        found = self.t[table].get(row_id)
        return {"origin": None, "record_seq": None, "outbox_seq": None, **found} if found else None

    def row_of_record(self, table: str, origin: str, record_seq: int) -> int | None:
        return next((i for i, r in sorted(self.t[table].items())
                     if (r.get("origin"), r.get("record_seq")) == (origin, record_seq)), None)

    def update_row(self, table: str, row_id: int, **fields: Any) -> None:
        self.t[table][row_id].update(fields)

    def delete_row(self, table: str, row_id: int) -> None:
        del self.t[table][row_id]

    def refresh_person_days(self, person_id: int) -> None:
        crossings = self.crossings_of(person_id)
        days = [c.local_date for c in crossings] + [r.local_date for r in
                                                    self.refusals_of(person_id)]
        exits = [c.local_date for c in crossings if c.direction == "exit"]
        self.t["persons"][person_id].update(last_seen=max(days, default=None),
                                            last_exit=max(exits, default=None))

    def merge_persons(self, keep: int, other: int) -> None:
        for table in ("documents", "crossings", "refusals", "visas", "authorizations",
                      "alert_decisions", "outbox", "records"):
            for row in self.t[table].values():
                if row.get("person_id") == other:
                    row["person_id"] = keep
        gone = self.t["persons"].pop(other)
        self.t["persons"][keep]["overstayed"] |= gone["overstayed"]
        self.refresh_person_days(keep)

    def touch_person(
        self, person_id: int, day: date, *, exited: bool = False, overstayed: bool = False
    ) -> None:
        row = self.t["persons"][person_id]
        row["last_seen"] = max(filter(None, (row["last_seen"], day)))
        if exited:
            row["last_exit"] = max(filter(None, (row["last_exit"], day)))
        row["overstayed"] = row["overstayed"] or overstayed

    # federation: bulk apply of a peer's page, one row at a time here

    def document_keys(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[int, int]]:
        return {(k[0], k[1]): found for k in keys
                if (found := self.document_key(k[0], k[1])) is not None}  # fmt: skip

    def add_persons(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        return [self.add_person(**row) for row in rows]

    def add_documents(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        return [self.add_document(**row) for row in rows]

    def add_crossings(self, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            self.add_crossing(**row)

    def add_refusals(self, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            self.add_refusal(**row)

    def touch_persons(self, last_seen: dict[int, date], last_exits: dict[int, date]) -> None:
        for person_id, day in last_seen.items():
            self.touch_person(person_id, day)
            if person_id in last_exits:
                self.touch_person(person_id, last_exits[person_id], exited=True)

    def persons_inside(self, on: date, after: int, limit: int) -> list[int]:
        inside = []
        for person_id in sorted(self.t["persons"]):
            crossings = [c for c in self.crossings_of(person_id) if c.local_date <= on]
            if person_id > after and crossings and crossings[-1].direction == "entry":
                inside.append(person_id)
        return inside[:limit]

    def persons_to_purge(self, before: date, overstayer_before: date, limit: int) -> list[int]:
        found = []
        for person_id, row in sorted(self.t["persons"].items()):
            crossings = self.crossings_of(person_id)
            inside = bool(crossings) and crossings[-1].direction == "entry"
            cutoff = overstayer_before if row["overstayed"] else before
            if row["last_seen"] is not None and row["last_seen"] < cutoff and not inside:
                found.append(person_id)
        return found[:limit]

    def delete_person(self, person_id: int) -> None:
        for table in ("crossings", "refusals", "visas", "authorizations", "alert_decisions",
                      "documents", "outbox"):
            rows = self.t[table]
            for key in [k for k, r in rows.items() if r.get("person_id") == person_id]:
                del rows[key]
        del self.t["persons"][person_id]

    def user_by_token_hash(self, token_hash: str) -> UserRow | None:
        for row in self.t["users"].values():
            if row["token_hash"] == token_hash:
                return UserRow(row["id"], row["name"], row["role"], row["active"])
        return None

    def add_user(self, name: str, role: str, token_hash: str, at: datetime) -> int:
        if any(r["name"] == name for r in self.t["users"].values()):
            raise DuplicateError(f"a user named {name!r} exists already")
        return self._add("users", {"name": name, "role": role, "token_hash": token_hash,
                                   "created_at": at, "active": True})  # fmt: skip

    def users(self, used_since: datetime, made_since: datetime) -> list[dict[str, Any]]:
        return sorted(({k: r[k] for k in ("name", "role", "active", "created_at")}
                       | {"password": False, "sessions": 0} for r in self.t["users"].values()),
                      key=lambda r: r["name"])  # fmt: skip

    def change_user(self, name: str, **fields: Any) -> bool:
        for row in self.t["users"].values():
            if row["name"] == name:
                row.update(fields)
                return True
        return False

    def idempotent_response(self, user: str, key: str) -> tuple[str, int, Any] | None:
        row = self.t["idempotency"].get((user, key))
        return (row["request_hash"], row["status"], row["body"]) if row else None

    def save_response(
        self, user: str, key: str, request_hash: str, status: int, body: Any, at: datetime
    ) -> None:
        self.t["idempotency"][(user, key)] = {"request_hash": request_hash, "status": status,
                                              "body": body, "at": at}  # fmt: skip


class MemoryStore:
    """Transactions over dicts: a block that raises leaves the tables as they were."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Any, dict[str, Any]]] = {name: {} for name in _TABLES}

    @contextmanager
    def transaction(
        self, *, read_only: bool = False, shared: bool = False, replayable: bool = False
    ) -> Iterator[MemoryTransaction]:
        working = copy.deepcopy(self.tables)
        yield MemoryTransaction(working)
        self.tables = working

    def audit(self, entries: Sequence[AuditEntry], at: datetime) -> None:
        with self.transaction() as tx:
            for entry in entries:
                tx.audit(entry, at)

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items()}
