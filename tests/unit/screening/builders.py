"""Alerts and travellers for the screening tests, from the JSON the CLI reads."""

from __future__ import annotations

from typing import Any

from cta.domain.screening import (
    AlertRecord,
    ScreeningIndex,
    ScreeningQuery,
    alert_from_json,
    query_from_json,
)

ELCHIN = {
    "id": "AZE-1", "category": "refuse_entry", "names": ["Эльчин Мамедов", "Elçin Məmmədov"],
    "birth_date": "1985-03-12", "nationalities": ["AZE"], "sex": "M",
}  # fmt: skip
ARAM = {"id": "ARM-1", "category": "arrest", "names": ["Արամ Խաչատրյան"], "birth_date": "1979"}
NINO = {
    "id": "GEO-1", "category": "missing_person", "names": ["ნინო ჭავჭავაძე"],
    "birth_date": "2001-02-03", "nationalities": ["GEO"], "sex": "F",
}  # fmt: skip
PASSPORT = {
    "id": "GEO-2", "category": "invalidated_document", "document_numbers": ["C01X00T47"],
}  # fmt: skip


def alert(**fields: Any) -> AlertRecord:
    return alert_from_json({"id": "X-1", "category": "refuse_entry", **fields})


def index_of(*alerts: dict[str, Any]) -> ScreeningIndex:
    return ScreeningIndex.build(alert_from_json(a) for a in alerts)


def traveller(**fields: Any) -> ScreeningQuery:
    return query_from_json(fields)


def hit_ids(index: ScreeningIndex, **fields: Any) -> list[str]:
    return [h.alert_id for h in index.screen(traveller(**fields))]
