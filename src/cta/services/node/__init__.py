"""The national node's use cases, one module per thing they serve.

=================  ===========================================================================
``core``           the actor, the errors, idempotency, and the node's shared state: store,
                   reference data, crossing points, regime, clock, users' tokens, the role
                   check, the audit
``filing``         a traveller's person and document, found or filed (crossings, permits)
``crossings``      the border check, recording an entry, exit or refusal, correcting one
``permits``        common visas and travel authorisations issued and revoked
``alerts``         alerts put, withdrawn, read, listed; screening; an officer's hit decision
``persons``        stay status, overstayers, the traveller file and its export, the audit log,
                   deletion past retention
=================  ===========================================================================

``Node`` is one class made of the modules' parts, so that every use case and helper is a
method of the node as before (``node.check``, ``node._require``, ``node._file_document``...).
The decision rules are pure functions in ``cta.domain``. Use cases of a new concern: a
module here with a class on ``NodeCore`` (or on ``DocumentFiling``, ``AlertScreening``
when it files documents or screens), and one more base of ``Node``.
"""

from __future__ import annotations

from cta.services.node.alerts import AlertUseCases
from cta.services.node.core import (
    UNKNOWN,
    Actor,
    ConflictError,
    ForbiddenError,
    Idempotency,
    NotFoundError,
    hash_token,
)
from cta.services.node.crossings import (
    BorderCheck,
    CheckOutcome,
    CrossingCorrection,
    CrossingUseCases,
    RecordCrossing,
    RefusalCorrection,
)
from cta.services.node.permits import IssuePermit, PermitUseCases
from cta.services.node.persons import PersonUseCases

__all__ = [
    "UNKNOWN",
    "Actor",
    "BorderCheck",
    "CheckOutcome",
    "ConflictError",
    "CrossingCorrection",
    "ForbiddenError",
    "Idempotency",
    "IssuePermit",
    "Node",
    "NotFoundError",
    "RecordCrossing",
    "RefusalCorrection",
    "hash_token",
]


class Node(CrossingUseCases, PermitUseCases, AlertUseCases, PersonUseCases):
    """One state's node: its store, reference data, crossing points, regime and clock."""
