"""What every use case of the node shares: the actor, the errors, idempotency, and the node's
state (store, reference data, crossing points, regime, clock), its users' tokens, the role
check, the audit, and a few small helpers.

Each use case takes the actor (who asks, in which role, for what purpose), checks the role,
does its work in one transaction of the store, and writes an audit entry for every read or
write of personal data in that same transaction, so that no personal data moves unaudited.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from cta.domain.crossing_points import CrossingPoint, CrossingPoints, local_date
from cta.domain.errors import CTAError, InvalidInputError
from cta.domain.recording import crossing_point_problem
from cta.domain.regime import Regime
from cta.domain.roles import Permission, Role, allows
from cta.services.alerts import AlertBook, Screener
from cta.services.checks import ReferenceData
from cta.services.ports import Aggregates, AuditEntry, PersonRow, Store, Transaction

__all__ = [
    "TOKEN_CACHE",
    "UNKNOWN",
    "Actor",
    "ConflictError",
    "ForbiddenError",
    "Idempotency",
    "NodeCore",
    "NotFoundError",
    "hash_token",
]


class ForbiddenError(CTAError):
    """The actor's role does not allow this."""


class NotFoundError(CTAError):
    """No such person (or record) on this node."""


class ConflictError(CTAError):
    """The request contradicts what is stored (a refused entry without an override, ...)."""


@dataclass(frozen=True, slots=True)
class Actor:
    name: str
    role: Role
    purpose: str = "border control"


class _Unknown(Enum):
    UNKNOWN = "unknown"


UNKNOWN = _Unknown.UNKNOWN  # ``Node.cached_actor``: not in the cache, ask ``authenticate``

# how long an answer to "whose token is this" is kept: a deactivated user's token works on
# for at most this long (the price of not reading the users table on every request)
TOKEN_CACHE = timedelta(seconds=5)


def hash_token(token: str) -> str:
    """Tokens are random 256-bit strings, so one SHA-256 suffices (no password stretching)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Idempotency:
    """The Idempotency-Key of a request and a hash of what it asked."""

    key: str
    request_hash: str


def _replay(earlier: tuple[str, int, Any], idempotency: Idempotency) -> tuple[int, Any]:
    request_hash, status, body = earlier
    if request_hash != idempotency.request_hash:
        raise ConflictError(
            f"Idempotency-Key {idempotency.key!r} was used before for a different request"
        )
    return status, body


class NodeCore:
    """One state's node: its store, reference data, crossing points, regime and clock."""

    def __init__(
        self,
        store: Store,
        reference: ReferenceData,
        crossing_points: CrossingPoints,
        *,
        state: str,
        regime: str = "union-draft",
        clock: Callable[[], datetime],
        retention_years: int = 3,
        overstayer_retention_years: int = 5,
        internal_check_retention_days: int = 180,
        aggregates: Aggregates | None = None,
        alerts: Screener | None = None,
    ) -> None:
        self.store = store
        self.alerts: Screener = alerts if alerts is not None else AlertBook()
        self.aggregates = aggregates
        self._tokens: dict[str, tuple[Actor | None, datetime]] = {}
        self.reference = reference
        self.crossing_points = crossing_points
        self.state = state
        self.regime_name = regime
        self.clock = clock
        self.retention_years = retention_years
        self.overstayer_retention_years = overstayer_retention_years
        self.internal_check_retention_days = internal_check_retention_days

    # -- authentication --------------------------------------------------------------------

    def cached_actor(self, token: str) -> Actor | _Unknown | None:
        """The cached answer to ``authenticate(token)``, or ``UNKNOWN``: never reads the store."""
        cached = self._tokens.get(hash_token(token))
        if cached is not None and cached[1] > self.clock():
            return cached[0]
        return UNKNOWN

    def authenticate(self, token: str) -> Actor | None:
        """The user a bearer token belongs to; answers are kept ``TOKEN_CACHE`` seconds."""
        digest = hash_token(token)
        now = self.clock()
        cached = self._tokens.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        with self.store.transaction(read_only=True) as tx:
            user = tx.user_by_token_hash(digest)
        actor = Actor(user.name, Role(user.role)) if user is not None and user.active else None
        if len(self._tokens) > 10_000:
            self._tokens.clear()
        self._tokens[digest] = (actor, now + TOKEN_CACHE)
        return actor

    def add_user(self, name: str, role: Role) -> str:
        """Create a user and return its bearer token (shown once; only its hash is kept)."""
        token = secrets.token_urlsafe(32)
        with self.store.transaction() as tx:
            tx.add_user(name, role.value, hash_token(token), self.clock())
        return token

    # -- helpers ---------------------------------------------------------------------------

    def _require(self, actor: Actor, permission: Permission) -> None:
        if not allows(actor.role, permission):
            raise ForbiddenError(f"role {actor.role} may not {permission.value.replace('_', ' ')}")

    def _point(self, code: str) -> CrossingPoint:
        point = self.crossing_points.get(code)
        problem = crossing_point_problem(code, point, self.state)
        if problem is not None:
            raise InvalidInputError(problem)
        assert point is not None  # an unknown point is a problem above
        return point

    def today(self) -> date:
        """Today at this state's crossing points (a day of stay is a local date, DESIGN.md)."""
        points = self.crossing_points.of_state(self.state)
        now = self.clock()
        return local_date(points[0], now) if points else now.date()

    def regime_on(self, on: date) -> Regime:
        return self.reference.regime(self.regime_name).as_if_on(on)

    def _audit(self, tx: Transaction, actor: Actor, action: str, person_id: int | None,
               **detail: Any) -> None:
        entry = AuditEntry(actor.name, actor.role.value, action, actor.purpose, person_id, detail)
        tx.audit(entry, self.clock())

    def _audited(
        self, actor: Actor, action: str, person_ids: Sequence[int | None], **detail: Any
    ) -> None:
        """Audit entries for what was just read, written before the answer leaves the node.

        Reads run in read-only transactions and the entries in one short write after them:
        on SQLite a read never holds the database's one write lock.
        """
        entries = [AuditEntry(actor.name, actor.role.value, action, actor.purpose, person_id,
                              detail) for person_id in person_ids]  # fmt: skip
        self.store.audit(entries, self.clock())

    def _person(self, tx: Transaction, person_id: int) -> PersonRow:
        person = tx.person(person_id)
        if person is None:
            raise NotFoundError(f"person {person_id} is not on this node")
        return person
