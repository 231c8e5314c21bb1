"""Carriers ask before boarding: a manifest of travellers answered OK or NOT OK each.

One read transaction answers the whole manifest with a handful of queries whatever its size
(the documents by key, their holders' permits and entries: ``Transaction.document_histories``);
the ``invalidated_document`` alerts come from the node's screening index in memory. The rule
itself is ``cta.domain.carriers``. Every query is audited: one entry for the query (the
carrier, how many travellers, on which day) and one for each traveller asked about, with the
answer given, under the person's id when the node knows the document, as the ETIAS carrier
gateway logs each query, its data and its answer (Regulation (EU) 2018/1240 Art. 45): the
traveller's subject-access export shows which carrier asked about them and what it was told.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from cta.domain.alerts import AlertCategory
from cta.domain.carriers import MAX_MANIFEST, NOTHING, Answer, Held, answer_for, visa_with_entries
from cta.domain.countries import NOT_IN_MRZ, CountryTable
from cta.domain.errors import InvalidInputError
from cta.domain.retention import CARRIER_LOG_ACTIONS
from cta.domain.roles import Permission
from cta.domain.screening import ScreeningQuery
from cta.domain.travel_permits import Authorization, Visa
from cta.services.alerts import settle_hits
from cta.services.node import Actor, Node
from cta.services.ports import AuditEntry, CheckHistory, Transaction

__all__ = ["CarrierCheck", "Traveller", "check_manifest"]

# the audit entries of a query and of each traveller in it: the carrier gateway's log, kept
# CARRIER_LOG_YEARS, then deleted by the node's purge (cta.domain.retention)
AUDIT_ACTIONS = CARRIER_LOG_ACTIONS

DocumentKey = tuple[str, str]  # (issuing_state, document_number) as the MRZ carries them


@dataclass(frozen=True, slots=True)
class Traveller:
    """One line of a carrier's manifest, as the carrier read it off the travel document."""

    document_number: str
    issuing_state: str
    nationality: str


@dataclass(frozen=True, slots=True)
class CarrierCheck:
    """The command: the travellers of one departure, and the day of arrival (None: today)."""

    travellers: Sequence[Traveller]
    on: date | None = None


def check_manifest(node: Node, actor: Actor, request: CarrierCheck) -> list[Answer]:
    """The answer for each traveller of the manifest, in its order; audited."""
    node._require(actor, Permission.CARRIER_CHECK)
    travellers = request.travellers
    if not 1 <= len(travellers) <= MAX_MANIFEST:
        raise InvalidInputError(
            f"travellers: a manifest has 1 to {MAX_MANIFEST} travellers, not {len(travellers)}")
    keys = [_key(t, i, node.reference.countries) for i, t in enumerate(travellers)]
    on = request.on or node.today()
    regime = node.regime_on(on)
    with node.store.transaction(read_only=True) as tx:
        held = tx.document_histories(keys)
        invalidated = _invalidated(node, tx, set(keys), on)
    answers = [
        answer_for(regime.category_for(_mrz_code(t.nationality)),
                   _held(key, held.get(key), invalidated), on)
        for t, key in zip(travellers, keys, strict=True)
    ]  # fmt: skip
    owners = {key: person for key, (person, _) in held.items()}
    _audit(node, actor, travellers, keys, owners, answers, on)
    return answers


def _key(traveller: Traveller, index: int, countries: CountryTable) -> DocumentKey:
    """The document's key as stored; a code no travel document carries is refused (422)."""
    for field in ("issuing_state", "nationality"):
        code = getattr(traveller, field)
        if code not in countries.codes:
            raise InvalidInputError(
                f"travellers[{index}].{field}: {code!r} is not an ICAO 9303 country code")
    return _mrz_code(traveller.issuing_state), traveller.document_number


def _mrz_code(code: str) -> str:
    """The code as a document's MRZ prints it: Germany is ``D``, not ``DEU``."""
    return NOT_IN_MRZ.get(code, code)


def _held(
    key: DocumentKey, found: tuple[int, CheckHistory] | None, invalidated: set[DocumentKey]
) -> Held:
    """What the node holds on one document (``found``: its holder and their history)."""
    if found is None:
        return Held(invalidated=True) if key in invalidated else NOTHING
    history = found[1]
    number = key[1]
    entries = [day for direction, day in history.days if direction == "entry"]
    visas = [visa_with_entries(Visa(v["document_number"], v["valid_from"], v["valid_to"],
                                    v["duration_days"], v["entries"], v["entries_used"]), entries)
             for v in history.visas if v["document_number"] == number]  # fmt: skip
    authorizations = [Authorization(a["document_number"], a["valid_from"], a["valid_to"])
                      for a in history.authorizations if a["document_number"] == number]
    return Held(authorizations, visas, key in invalidated)


def _invalidated(node: Node, tx: Transaction, keys: set[DocumentKey], on: date) -> set[DocumentKey]:
    """The documents of ``keys`` on an ``invalidated_document`` alert in force on ``on``
    (the document number exactly: a near miss is for an officer to look at, not a carrier),
    unless this node's officer dismissed that hit for that document and alert version."""
    alerts = node.alerts
    if alerts.opened_from == "nothing":
        alerts.open(node.store)
    alerts.current(tx)
    found: set[DocumentKey] = set()
    ordered = sorted(keys)  # one round trip for the manifest when a screening process screens
    screened = alerts.screen_all([ScreeningQuery(document_number=key[1]) for key in ordered], on,
                                 min_score=1.0)  # fmt: skip
    for key, all_hits in zip(ordered, screened, strict=True):
        hits = [h for h in all_hits
                if h.kind == "document" and h.category is AlertCategory.INVALIDATED_DOCUMENT]
        if not hits:
            continue
        rows = tx.alerts_by_id([h.alert_id for h in hits])
        versions = {r.id: r.version for r in rows}
        actions = {r.id: r.record.get("action") for r in rows}
        weighed, _ = settle_hits(hits, tx.alert_decisions_for(*key), versions, actions)
        if weighed:
            found.add(key)
    return found


def _audit(
    node: Node, actor: Actor, travellers: Sequence[Traveller], keys: Sequence[DocumentKey],
    owners: dict[DocumentKey, int], answers: Sequence[Answer], on: date,
) -> None:  # fmt: skip
    """One entry for the query and one for each traveller, written before the answer leaves."""
    query = secrets.token_hex(8)  # ties the travellers' entries to their query
    ok = sum(1 for a in answers if a is Answer.OK)

    def entry(action: str, person: int | None, **detail: object) -> AuditEntry:
        return AuditEntry(actor.name, actor.role.value, action, actor.purpose, person,
                          {"query": query, "on": on.isoformat(), **detail})

    entries = [entry(AUDIT_ACTIONS[0], None, travellers=len(travellers), ok=ok,
                     not_ok=len(answers) - ok)]  # fmt: skip
    entries += [
        entry(AUDIT_ACTIONS[1], owners.get(key), document_number=t.document_number,
              issuing_state=t.issuing_state, nationality=t.nationality, answer=answer.value)
        for t, key, answer in zip(travellers, keys, answers, strict=True)
    ]  # fmt: skip
    node.store.audit(entries, node.clock())
