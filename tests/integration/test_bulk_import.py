"""Bulk import of crossings: ``cta import crossings FILE.jsonl`` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from cta.adapters.storage import tables as t
from cta.adapters.storage.bulk import SqlBulkStore
from cta.bootstrap import build_node
from cta.domain.roles import Role
from cta.entrypoints.cli.imports import import_app
from cta.services.imports import (
    AlreadyImportedError,
    ImportCrossings,
    import_crossings,
)
from cta.services.node import Actor, ForbiddenError, Node
from cta.settings import Settings
from tests.integration.node_server import passport

ADMIN = Actor("admin.import", Role.ADMIN, "migration of the old register")
MONTH = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def node(database_url: str) -> Iterator[Node]:
    node = build_node(Settings(database_url=database_url))
    try:
        yield node
    finally:
        node.store.engine.dispose()  # type: ignore[attr-defined]


def document(number: str, **changes: Any) -> dict[str, Any]:
    fields = {
        "issuing_state": "USA", "document_number": number, "nationality": "USA",
        "surname": "SMITH", "given_names": "ANN", "birth_date_raw": "880214", "sex": "F",
        "expiry_date": "2031-01-31",
    }  # fmt: skip
    return fields | changes


def line(number: str, direction: str, at: datetime, **changes: Any) -> dict[str, Any]:
    item = {
        "direction": direction, "crossing_point": "GEO-TBS", "occurred_at": at.isoformat(),
        "officer": "officer.tbs.01", "document": document(number),
    }  # fmt: skip
    return item | changes


def jsonl(items: list[dict[str, Any] | str]) -> list[tuple[int, str]]:
    return [(n, i if isinstance(i, str) else json.dumps(i)) for n, i in enumerate(items, 1)]


def run(node: Node, items: list[dict[str, Any] | str], **options: Any) -> Any:
    actor = options.pop("actor", ADMIN)
    command = ImportCrossings("crossings.jsonl", options.pop("sha256", "0" * 64), jsonl(items),
                              **options)  # fmt: skip
    store = SqlBulkStore(node.store.engine)  # type: ignore[attr-defined]
    return import_crossings(node, actor, command, store)


def rows(node: Node, table: t.Table) -> list[dict[str, Any]]:
    with node.store.engine.connect() as c:  # type: ignore[attr-defined]
        ordered = select(table).order_by(*table.primary_key.columns)
        return [dict(r._mapping) for r in c.execute(ordered)]


def test_an_import_files_each_document_once_and_records_every_crossing(node: Node) -> None:
    report = run(node, [
        line("A1000001", "entry", MONTH),
        line("A1000001", "exit", MONTH + timedelta(days=10)),
        line("A1000002", "entry", MONTH + timedelta(days=2)),
    ])  # fmt: skip
    assert (report.imported, report.skipped, report.persons_created) == (3, 0, 2)
    counts = node.store.counts()
    assert (counts["persons"], counts["documents"], counts["crossings"]) == (2, 2, 3)
    assert counts["outbox"] == 3 and counts["audit_log"] == 1


def test_imported_crossings_count_like_recorded_ones(node: Node) -> None:
    run(node, [line("A1000003", "entry", MONTH), line("A1000003", "exit", MONTH + timedelta(9))])
    person = rows(node, t.persons)[0]
    assert person["last_exit"] == date(2026, 3, 10)
    assert person["last_seen"] == date(2026, 3, 10)  # retention counts from the last record
    assert person["birth_date"] == date(1988, 2, 14)
    status = node.stay_status(ADMIN, person["id"], date(2026, 3, 20))
    assert status["days_used"] == 10 and status["inside"] is False


def test_a_crossing_is_dated_on_the_calendar_of_its_crossing_point(node: Node) -> None:
    late = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)  # 02:30 on 2 March in Tbilisi (UTC+4)
    run(node, [line("A1000004", "entry", late)])
    crossing = rows(node, t.crossings)[0]
    assert crossing["local_date"] == date(2026, 3, 2)
    assert crossing["occurred_at"].replace(tzinfo=UTC) == late


def test_a_known_document_is_the_same_person(node: Node) -> None:
    run(node, [line("A1000005", "entry", MONTH)], sha256="1" * 64)
    report = run(node, [line("A1000005", "exit", MONTH + timedelta(5))], sha256="2" * 64)
    assert report.persons_created == 0
    assert len(rows(node, t.persons)) == 1 and len(rows(node, t.crossings)) == 2


def test_an_older_import_never_moves_the_last_days_back(node: Node) -> None:
    later = MONTH + timedelta(days=30)
    run(node, [line("A1000017", "exit", later)], sha256="4" * 64)
    run(node, [line("A1000017", "entry", MONTH), line("A1000017", "exit", MONTH + timedelta(3))],
        sha256="5" * 64)  # fmt: skip
    person = rows(node, t.persons)[0]
    assert person["last_exit"] == person["last_seen"] == later.date()


def test_a_line_may_give_the_mrz_instead_of_the_fields(node: Node) -> None:
    mrz = passport("GEO", surname="BERIDZE", given_names="NINO", number="G12345678",
                   expiry_date=date(2030, 1, 1))  # fmt: skip
    item = line("x", "entry", MONTH, mrz=mrz)
    del item["document"]
    run(node, [item])
    assert rows(node, t.documents)[0]["document_number"] == "G12345678"
    assert rows(node, t.persons)[0]["surname"] == "BERIDZE"
    assert rows(node, t.outbox)[0]["payload"]["mrz"] == mrz


def test_an_mrz_that_does_not_read_is_a_bad_line_named_by_its_field(node: Node) -> None:
    mrz = passport("GEO", number="G12345678", expiry_date=date(2030, 1, 1))
    wrong = mrz[1][:9] + str((int(mrz[1][9]) + 1) % 10) + mrz[1][10:]  # the number's check digit
    item = line("x", "entry", MONTH, mrz=[mrz[0], wrong])
    del item["document"]
    report = run(node, [item])
    assert report.skipped == 1
    assert report.errors[0].startswith("line 1: mrz.document_number: ")


def test_bad_lines_are_named_and_skipped_and_the_rest_imported(node: Node) -> None:
    report = run(node, [
        line("A1000006", "entry", MONTH),
        "not json",
        line("A1000007", "sideways", MONTH),
        line("A1000008", "entry", MONTH, document=document("A1000008", nationality="XYZ")),
        line("A1000009", "entry", datetime.now(UTC) + timedelta(days=2)),
        line("A1000010", "entry", MONTH, crossing_point="NOWHERE"),
        line("A1000018", "entry", MONTH, crossing_point="ARM-EVN"),
    ])  # fmt: skip
    assert (report.imported, report.skipped) == (1, 6)
    assert report.errors[0].startswith("line 2: ")
    assert report.errors[1].startswith("line 3: direction: ")
    assert report.errors[2].startswith("line 4: document.nationality: 'XYZ' is not a country")
    assert report.errors[3].startswith("line 5: occurred_at: ") and "future" in report.errors[3]
    assert report.errors[4] == "line 6: crossing_point: 'NOWHERE' is not a known crossing point"
    assert report.errors[5].startswith("line 7: crossing_point: ARM-EVN is run by ARM: ")
    assert len(rows(node, t.crossings)) == 1


def test_all_or_nothing_keeps_nothing_when_a_line_is_bad_but_audits_the_attempt(
    node: Node,
) -> None:
    report = run(node, [line("A1000011", "entry", MONTH), "{}"], all_or_nothing=True)
    assert report.rejected and report.imported == 0 and report.skipped == 1
    counts = node.store.counts()
    assert (counts["persons"], counts["crossings"], counts["outbox"]) == (0, 0, 0)
    audit = rows(node, t.audit_log)
    assert len(audit) == 1 and audit[0]["detail"]["rejected"] is True


def test_one_audit_entry_says_who_imported_which_file_and_how_much(node: Node) -> None:
    run(node, [line("A1000012", "entry", MONTH), line("A1000013", "entry", MONTH)])
    (entry,) = rows(node, t.audit_log)
    assert (entry["user_name"], entry["action"]) == ("admin.import", "import crossings")
    assert entry["detail"]["file"] == "crossings.jsonl"
    assert entry["detail"]["imported"] == 2 and entry["detail"]["persons_created"] == 2


def test_every_imported_crossing_goes_to_the_outbox_for_the_federation(node: Node) -> None:
    run(node, [line("A1000014", "entry", MONTH)])
    (record,) = rows(node, t.outbox)
    assert record["kind"] == "CrossingRecorded"
    assert record["person_id"] == rows(node, t.persons)[0]["id"]  # deleted with the person
    assert record["payload"]["imported"] is True
    assert record["payload"]["document"]["document_number"] == "A1000014"
    assert record["payload"]["local_date"] == "2026-03-01"


def test_the_same_file_is_not_imported_twice(node: Node) -> None:
    run(node, [line("A1000015", "entry", MONTH)], sha256="3" * 64)
    with pytest.raises(AlreadyImportedError, match=r"imported before \(at \d{4}-\d\d-\d\dT"):
        run(node, [line("A1000015", "entry", MONTH)], sha256="3" * 64)
    assert len(rows(node, t.crossings)) == 1


def test_a_file_that_kept_nothing_may_be_imported_again(node: Node) -> None:
    """Every line bad (or none at all): the attempt is audited, and does not count as the
    file's import when it is tried again (a clock or a crossing point put right meanwhile)."""
    run(node, ["not json", "{}"], sha256="4" * 64)
    run(node, [], sha256="4" * 64)
    report = run(node, [line("A1000019", "entry", MONTH)], sha256="4" * 64)
    assert report.imported == 1
    with pytest.raises(AlreadyImportedError):
        run(node, [line("A1000019", "entry", MONTH)], sha256="4" * 64)


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_an_admin_may_import(node: Node, role: Role) -> None:
    with pytest.raises(ForbiddenError):
        run(node, [line("A1000016", "entry", MONTH)], actor=Actor("someone", role))


def test_batches_of_a_large_file_find_the_documents_of_earlier_batches(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cta.services.imports.BATCH", 7)
    items: list[dict[str, Any] | str] = [
        line(f"B{i % 10:07d}", "entry" if i % 2 == 0 else "exit", MONTH + timedelta(hours=i))
        for i in range(50)
    ]
    report = run(node, items)
    assert (report.imported, report.persons_created) == (50, 10)
    assert len(rows(node, t.documents)) == 10


# -- the command ------------------------------------------------------------------------------

runner = CliRunner()
cli = typer.Typer()
cli.add_typer(import_app, name="import")


def command(database_url: str, token: str, *args: str) -> Any:
    env = {"CTA_DATABASE_URL": database_url, "CTA_TOKEN": token}
    return runner.invoke(cli, ["import", "crossings", *args], env=env)


def test_the_command_prints_counts_and_exits_1_for_bad_lines(
    node: Node, database_url: str, tmp_path: Path
) -> None:
    token = node.add_user("admin.cli", Role.ADMIN)
    file = tmp_path / "crossings.jsonl"
    file.write_text(json.dumps(line("C1000001", "entry", MONTH)) + "\n\n{\n", encoding="utf-8")
    done = command(database_url, token, str(file), "--json")
    assert done.exit_code == 1, done.output
    counts = json.loads(done.stdout.splitlines()[-1])
    assert (counts["imported"], counts["skipped"], counts["persons_created"]) == (1, 1, 1)
    again = command(database_url, token, str(file))
    assert again.exit_code == 1 and "imported before" in again.stderr


def test_the_command_exits_0_when_all_is_imported(
    node: Node, database_url: str, tmp_path: Path
) -> None:
    token = node.add_user("admin.cli", Role.ADMIN)
    file = tmp_path / "crossings.jsonl"
    file.write_text(json.dumps(line("C1000002", "entry", MONTH)) + "\n", encoding="utf-8")
    done = command(database_url, token, str(file))
    assert done.exit_code == 0, done.output
    assert "1 crossings imported" in done.stdout


def test_the_command_exits_2_on_a_missing_file_or_a_bad_token(
    node: Node, database_url: str, tmp_path: Path
) -> None:
    token = node.add_user("officer", Role.BORDER_OFFICER)
    file = tmp_path / "crossings.jsonl"
    assert command(database_url, token, str(tmp_path / "missing.jsonl")).exit_code == 2
    file.write_text(json.dumps(line("C1000003", "entry", MONTH)) + "\n", encoding="utf-8")
    assert command(database_url, "not-a-token", str(file)).exit_code == 2
    forbidden = command(database_url, token, str(file))
    assert forbidden.exit_code == 2 and "may not import" in forbidden.stderr


# -- overstays, batches read in a second process, the outbox record --------------------------


def test_an_imported_overstay_marks_the_person_an_overstayer(node: Node) -> None:
    run(node, [
        line("D1000001", "entry", MONTH), line("D1000001", "exit", MONTH + timedelta(days=99)),
        line("D1000002", "entry", MONTH), line("D1000002", "exit", MONTH + timedelta(days=30)),
    ])  # fmt: skip
    by_number = {d["document_number"]: d["person_id"] for d in rows(node, t.documents)}
    overstayed = {p["id"]: p["overstayed"] for p in rows(node, t.persons)}
    assert overstayed[by_number["D1000001"]] is True  # 100 days of 90 in 180
    assert overstayed[by_number["D1000002"]] is False


def test_a_member_national_never_overstays(node: Node) -> None:
    geo = document("D1000003", issuing_state="GEO", nationality="GEO")
    run(node, [line("D1000003", "entry", MONTH, document=geo),
               line("D1000003", "exit", MONTH + timedelta(days=200), document=geo)])  # fmt: skip
    assert rows(node, t.persons)[0]["overstayed"] is False


def test_an_overstay_over_two_imports_counts_the_crossings_stored_before(node: Node) -> None:
    run(node, [line("D1000004", "entry", MONTH), line("D1000004", "exit", MONTH + timedelta(60))],
        sha256="6" * 64)  # fmt: skip
    assert rows(node, t.persons)[0]["overstayed"] is False
    back = MONTH + timedelta(days=70)
    run(node, [line("D1000004", "entry", back), line("D1000004", "exit", back + timedelta(40))],
        sha256="7" * 64)  # 61 + 41 days within 180
    assert rows(node, t.persons)[0]["overstayed"] is True


def test_lines_read_in_the_second_process_are_named_as_in_this_one(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    items: list[dict[str, Any] | str] = [
        line(f"E{i:07d}", "entry", MONTH + timedelta(hours=i)) for i in range(20)
    ]
    items[4] = "not json"
    items[11] = line("E1000011", "sideways", MONTH)
    items[17] = line("E1000017", "entry", MONTH, crossing_point="NOWHERE")
    one = run(node, items, all_or_nothing=True, sha256="8" * 64)  # one batch: read here
    monkeypatch.setattr("cta.services.imports.BATCH", 3)
    many = run(node, items, all_or_nothing=True, sha256="9" * 64)  # 7 batches: 6 read there
    assert many.errors == one.errors and len(one.errors) == 3
    assert many.errors[1].startswith("line 12: direction: ")
    del items[17], items[11], items[4]
    monkeypatch.setattr("cta.services.imports.BATCH", 4)
    report = run(node, items, sha256="a" * 64)
    assert (report.imported, report.skipped, report.persons_created) == (17, 0, 17)
    assert len(rows(node, t.crossings)) == len(rows(node, t.outbox)) == 17


def test_the_outbox_record_of_an_imported_crossing_is_the_whole_crossing(node: Node) -> None:
    late = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
    item = line("F1000001", "exit", late, decision="refer",
                document=document("F1000001", sex=None, expiry_date=None, given_names="",
                                  document_code="P<"))  # fmt: skip
    run(node, [item])
    (record,) = rows(node, t.outbox)
    assert record["payload"] == {
        "person_id": rows(node, t.persons)[0]["id"], "direction": "exit", "refused": False,
        "crossing_point": "GEO-TBS", "occurred_at": "2026-03-01T22:30:00+00:00",
        "local_date": "2026-03-02", "decision": "refer", "imported": True,
        "document": {"issuing_state": "USA", "document_number": "F1000001",
                     "document_code": "P", "nationality": "USA", "surname": "SMITH",
                     "given_names": "", "birth_date_raw": "880214", "sex": None,
                     "expiry_date": None},
    }  # fmt: skip


def test_a_document_filed_by_another_writer_meanwhile_restarts_the_import(
    node: Node, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the import looks documents up outside its transaction: a peer's record
    or a desk filing one of them in between made the import fail whole (a unique violation
    on ``documents``). It now starts over, finds the document and files the crossing under
    it; a list of lines reads again, an iterator cannot, and then the error says what."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite looks documents up in the import's own transaction: no race")
    from cta.adapters.storage.bulk import SqlBulkSession
    from cta.domain.checks import Direction
    from cta.services.imports import DocumentsFiledMeanwhile
    from cta.services.node import RecordCrossing

    mrz = passport("GEO", number="G77700001")  # a member national: no override needed
    real = SqlBulkSession.known_documents
    races = {"left": 1}

    def looked_up_then_filed(self: SqlBulkSession, keys: Any) -> Any:
        found = real(self, keys)
        if races["left"]:  # the desk files the document after the import's look-up
            races["left"] -= 1
            node.record(Actor("officer.tbs.01", Role.BORDER_OFFICER, "entry"), RecordCrossing(
                mrz=mrz, crossing_point="GEO-TBS", direction=Direction.ENTRY,
                occurred_at=MONTH + timedelta(days=1)))  # fmt: skip
        return found

    monkeypatch.setattr(SqlBulkSession, "known_documents", looked_up_then_filed)
    item = line("x", "exit", MONTH + timedelta(days=2), mrz=mrz)
    del item["document"]
    report = run(node, [item], sha256="5" * 64)
    assert report.imported == 1
    assert len(rows(node, t.documents)) == 1
    assert len(rows(node, t.persons)) == 1  # the desk's, with both crossings
    assert [c["direction"] for c in rows(node, t.crossings)] == ["entry", "exit"]
    races["left"] = 1
    other = passport("GEO", number="G77700002")
    item = line("x", "exit", MONTH + timedelta(days=2), mrz=other)
    del item["document"]
    mrz = other
    command = ImportCrossings("once.jsonl", "6" * 64, iter(jsonl([item])))
    store = SqlBulkStore(node.store.engine)  # type: ignore[attr-defined]
    with pytest.raises(DocumentsFiledMeanwhile, match="nothing of the import was kept"):
        import_crossings(node, ADMIN, command, store)
