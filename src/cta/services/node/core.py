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

# who ``cta users`` acts as in the audit log: an operator on the node's machine, with the
# database's credentials (the OS user's name is added by the CLI)
OPERATOR = "operator"

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

    def authenticate(self, token: str, *, fresh: bool = False) -> Actor | None:
        """The user a bearer token belongs to; answers are kept ``TOKEN_CACHE`` seconds.
        ``fresh``: read the store even when the answer is cached (a web sign-in: a session
        outlives the cache, and must not be opened with a replaced token or an old role)."""
        digest = hash_token(token)
        now = self.clock()
        cached = self._tokens.get(digest)
        if not fresh and cached is not None and cached[1] > now:
            return cached[0]
        with self.store.transaction(read_only=True) as tx:
            user = tx.user_by_token_hash(digest)
        actor = Actor(user.name, Role(user.role)) if user is not None and user.active else None
        if len(self._tokens) > 10_000:
            self._tokens.clear()
        self._tokens[digest] = (actor, now + TOKEN_CACHE)
        return actor

    def add_user(self, name: str, role: Role, *, by: str = OPERATOR) -> str:
        """Create a user and return its bearer token (shown once; only its hash is kept)."""
        token = secrets.token_urlsafe(32)
        with self.store.transaction() as tx:
            tx.add_user(name, role.value, hash_token(token), self.clock())
            self._user_audit(tx, by, "add user", name, role=role.value)
        return token

    # -- the users' lifecycle (``cta users``: an operator on the node's machine) ------------

    def users(self, idle: timedelta, absolute: timedelta) -> list[dict[str, Any]]:
        """Every user, by name: role, active, created_at, password set, and the web sessions
        still open under these lifetimes (ended ones wait in the table to be removed)."""
        now = self.clock()
        with self.store.transaction(read_only=True) as tx:
            return tx.users(now - idle, now - absolute)

    def set_user_active(self, name: str, active: bool, *, by: str = OPERATOR) -> None:
        """Disable a user (their token, password and open sessions stop working; a running
        node may still take the token for ``TOKEN_CACHE``) or enable them again."""
        self._change_user(name, by, "enable user" if active else "disable user", active=active)

    def set_user_role(self, name: str, role: Role, *, by: str = OPERATOR) -> None:
        """Give a user another role; their open web sessions end (a session keeps the role it
        was opened with)."""
        self._change_user(name, by, "change user role", role=role.value)

    def new_token(self, name: str, *, by: str = OPERATOR) -> str:
        """A new bearer token for a user (a lost or leaked one stops working); shown once."""
        token = secrets.token_urlsafe(32)
        self._change_user(name, by, "new user token", token_hash=hash_token(token))
        return token

    def password_set(self, name: str, *, by: str = OPERATOR) -> None:
        """Audit a password set for a user (``cta users password``, ``StaffSessions``)."""
        with self.store.transaction() as tx:
            self._user_audit(tx, by, "set user password", name)

    def _change_user(self, name: str, by: str, action: str, **fields: Any) -> None:
        with self.store.transaction() as tx:
            if not tx.change_user(name, **fields):
                raise NotFoundError(f"there is no user {name!r} (cta users list shows them)")
            shown = {k: v for k, v in fields.items() if k != "token_hash"}
            self._user_audit(tx, by, action, name, **shown)
        self._tokens.clear()  # this process answers from the database again at once

    def _user_audit(self, tx: Transaction, by: str, action: str, name: str,
                    **detail: Any) -> None:  # fmt: skip
        self._audit(tx, Actor(by, Role.ADMIN, "user administration"), action, None, user=name,
                    **detail)  # fmt: skip

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
