"""``cta screen``: travellers against an alerts file through the installed console script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Runner

ALERTS = [
    {"id": "AZE-1", "category": "refuse_entry", "names": ["Эльчин Мамедов", "Elçin Məmmədov"],
     "birth_date": "1985-03-12", "nationalities": ["AZE"], "sex": "M"},
    {"id": "ARM-1", "category": "arrest", "names": ["Արամ Խաչատրյան"], "birth_date": "1979"},
    {"id": "GEO-2", "category": "invalidated_document", "document_numbers": ["C01X00T47"]},
    {"id": "OLD-1", "category": "refuse_entry", "names": ["Elçin Məmmədov"],
     "valid_to": "2020-01-01"},
]


def lines(*objects: object) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)


def alerts_file(tmp_path: Path, alerts: list[dict[str, object]] = ALERTS) -> str:
    path = tmp_path / "alerts.jsonl"
    path.write_text(lines(*alerts), encoding="utf-8")
    return str(path)


def test_one_line_out_per_traveller_in_order_best_first(cta: Runner, tmp_path: Path) -> None:
    ran = cta("screen", "--alerts", alerts_file(tmp_path), "--json", "--on", "2027-01-01",
              stdin=lines(
                  {"surname": "MAMMADOV", "given_names": "ELCHIN", "birth_date": "1985-03-12",
                   "nationality": "AZE", "sex": "M", "document_number": "X1"},
                  {"surname": "SMITH", "given_names": "JOHN"},
                  {"surname": "KHACHATURIAN", "given_names": "ARAM", "birth_date": "1979-05-05"},
                  {"document_number": "CO1XOOT47"},
              ))
    assert ran.code == 0, ran.stderr
    first, second, third, fourth = ran.json_lines()
    [hit] = first["hits"]
    assert set(hit) == {"alert_id", "score", "reasons", "kind", "category"}
    assert (hit["alert_id"], hit["kind"], hit["category"]) == ("AZE-1", "name", "refuse_entry")
    assert 0.85 <= hit["score"] <= 1 and hit["reasons"]
    assert second == {"hits": []}
    assert [h["alert_id"] for h in third["hits"]] == ["ARM-1"]
    assert fourth["hits"][0]["kind"] == "document_near_miss"


def test_an_expired_alert_hits_only_while_valid(cta: Runner, tmp_path: Path) -> None:
    query = lines({"surname": "MAMMADOV", "given_names": "ELCHIN"})
    before = cta("screen", "--alerts", alerts_file(tmp_path), "--json", "--on", "2019-06-01",
                 stdin=query).json_lines()[0]
    after = cta("screen", "--alerts", alerts_file(tmp_path), "--json", "--on", "2027-06-01",
                stdin=query).json_lines()[0]
    assert "OLD-1" in [h["alert_id"] for h in before["hits"]]
    assert "OLD-1" not in [h["alert_id"] for h in after["hits"]]


def test_bad_lines_hold_their_place_with_an_error_and_exit_2(cta: Runner, tmp_path: Path) -> None:
    stdin = "\n".join([
        "not json",
        json.dumps({"surname": "MAM\u0007MADOV"}),
        json.dumps({"surname": "A" * 5000}),
        json.dumps({"surname": "Mаmmadov"}),
        json.dumps({}),
        json.dumps([1, 2]),
        json.dumps({"surname": "MAMMADOV", "given_names": "ELCHIN", "birth_date": "1985-03-12"}),
    ]) + "\n"
    ran = cta("screen", "--alerts", alerts_file(tmp_path), "--json", stdin=stdin)
    assert ran.code == 2
    out = ran.json_lines()
    assert len(out) == 7
    assert [list(o) for o in out[:6]] == [["error"]] * 6
    assert out[0]["error"].startswith("line 1: not JSON")
    assert "control character" in out[1]["error"]
    assert "at most 200" in out[2]["error"]
    assert "mixes Cyrillic and Latin" in out[3]["error"]
    assert "nothing to screen" in out[4]["error"]
    assert out[6]["hits"][0]["alert_id"] == "AZE-1"
    assert "error: line 1" in ran.stderr


def test_a_bad_alerts_file_is_one_error_naming_the_line(cta: Runner, tmp_path: Path) -> None:
    bad = [*ALERTS[:1], {"id": "X", "category": "spying", "names": ["A B"]}]
    ran = cta("screen", "--alerts", alerts_file(tmp_path, bad), "--json", stdin="{}\n")
    assert ran.code == 2
    assert "line 2" in ran.stderr and "category" in ran.stderr
    assert ran.stdout == ""


def test_without_alerts_it_screens_against_the_node_database(
    cta: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing node database is an error, never created (test_cli_read_commands.py; and
    tests/integration/test_node_alerts.py has hits from a node's alerts)."""
    monkeypatch.setenv("CTA_DATABASE_URL", f"sqlite:///{tmp_path / 'node.sqlite'}")
    ran = cta("screen", "--json", stdin=lines({"surname": "MAMEDOV", "given_names": "ELCHIN"}))
    assert ran.code == 2, ran.stderr
    assert f"no node database at {tmp_path / 'node.sqlite'}" in ran.stderr
    assert not (tmp_path / "node.sqlite").exists()


def test_human_output_lists_hits_and_reasons(cta: Runner, tmp_path: Path) -> None:
    ran = cta("screen", "--alerts", alerts_file(tmp_path),
              stdin=lines({"surname": "MAMEDOV", "given_names": "ELCHIN"}, {"surname": "SMITH"}))
    assert ran.code == 0, ran.stderr
    assert "AZE-1" in ran.stdout and "no hit" in ran.stdout
