"""The automatic processing of an application: why it needs a consular officer, if it does.

Against the whole area's data this node holds: the alerts of all three states (the screening
index the border check uses), the applicant's past refusals of entry and overstays (their
persons, by document or by identity), refused, annulled or revoked applications anywhere in
the area (``application_decisions``), the background questions, and the screening rules
(``cta.policy.screening_rules``). Nothing found: nothing stops an automatic grant.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from cta.domain.applications import ReviewReason
from cta.domain.documents import TravelDocument
from cta.domain.screening_rules import RuleSet, match_rules
from cta.domain.travellers import CrossingDay, candidate_key
from cta.services.node import Node

if TYPE_CHECKING:
    from cta.services.applications import Submission

__all__ = ["QUESTIONS", "review_application"]

QUESTIONS = {"convictions": "a criminal conviction in the last 10 years (20 for terrorist "
                            "offences)",
             "conflict_zones": "a stay in a war or conflict zone in the last 10 years",
             "removal_orders": "an order to leave a member state or any EU/Schengen state in "
                               "the last 10 years"}  # fmt: skip


def review_application(node: Node, rules: RuleSet, tx: Any, submission: Submission,
                       document: TravelDocument, today: date) -> list[ReviewReason]:  # fmt: skip
    """Why the application needs a person: answers, alert hits, the applicant's past
    refusals of entry, overstays and refused applications, screening rules."""
    reasons = [ReviewReason("answer", f"answered yes: {QUESTIONS[q]}")
               for q, yes in submission.answers.items() if yes]  # fmt: skip
    hits, _, _ = node._alert_hits(tx, document, today)
    issuers = {a.id: a.issuing_state for a in tx.alerts_by_id([h.alert_id for h in hits])}
    reasons += [ReviewReason("alert_hit", f"alert {h.alert_id} ({h.category.value}), score "
                             f"{h.score:.2f}: {'; '.join(h.reasons)}",
                             issuers.get(h.alert_id)) for h in hits]  # fmt: skip
    reasons += _past(node, tx, document, today)
    facts = _facts(submission, document, today)
    reasons += [ReviewReason("screening_rule", f"rule {m.rule_id} ({', '.join(m.facts)}): "
                             f"{m.reason}") for m in match_rules(rules.rules, facts)]
    return reasons


def _past(node: Node, tx: Any, document: TravelDocument, today: date) -> list[ReviewReason]:
    owner = tx.document_owner(document.issuing_state, document.document_number)
    persons = [owner] if owner is not None else [p.id for p in tx.candidates(
        *candidate_key(document))]
    reasons = []
    for person_id in persons:
        for refusal in tx.refusals_of(person_id):
            reasons.append(ReviewReason("refusal_of_entry", (
                f"refused entry at {refusal.crossing_point} on {refusal.local_date} "
                f"({refusal.origin or node.state})"), refusal.origin or node.state))
        person = tx.person(person_id)
        crossings = tx.crossings_of(person_id)
        days = [CrossingDay(c.direction, c.local_date) for c in crossings]
        overstays = node._status(person, days, today).get("overstays") or []
        if person.overstayed or overstays:
            spans = ", ".join(f"{o['from']} to {o['to']}" for o in overstays)
            # the member that recorded the last entry: the overstay began in its records
            entries = [c for c in crossings if c.direction == "entry"]
            source = (entries[-1].origin or node.state) if entries else None
            reasons.append(ReviewReason("overstay", "overstayed in the area"
                                        + (f" ({spans})" if spans else ""), source))  # fmt: skip
    for past in tx.application_decisions_of(
            document.issuing_state, document.document_number, document.nationality,
            document.birth_date_raw, document.surname):  # fmt: skip
        reasons.append(ReviewReason("past_application", (
            f"{past['kind']} application {past['number']} {past['outcome']} by "
            f"{past['origin']}: " + "; ".join(r["message"] for r in past["reasons"])),
            past["origin"]))
    return reasons


def _facts(submission: Submission, document: TravelDocument, today: date) -> dict[str, object]:
    """The facts of an application a screening rule may weigh (``ALLOWED_FACTS``)."""
    form = submission.form
    born = document.birth_date
    age = None if born is None else today.year - born.year - (
        (today.month, today.day) < (born.month, born.day))
    facts: dict[str, object] = {
        "kind": submission.kind.value, "nationality": document.nationality,
        "other_nationalities": form.get("other_nationalities") or [], "sex": document.sex,
        "age": age, "residence_country": form.get("residence_country"),
        "residence_city": form.get("residence_city"), "education": form.get("education"),
        "occupation": form.get("occupation"), "first_state": submission.first_state,
        "purpose": form.get("purpose"),
    }  # fmt: skip
    facts |= {f"answers.{q}": bool(a) for q, a in submission.answers.items()}
    return facts
