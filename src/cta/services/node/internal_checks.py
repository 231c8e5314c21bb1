"""Temporary checks at internal borders (``cta.domain.internal_checks``): an admin declares,
prolongs or ends this state's reintroduction; each act is a federation record, so that every
node lists every member's reintroductions, past and present; the border check asks which one
is in force at a point on a day.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from cta.domain.crossing_points import CrossingPoint, local_date
from cta.domain.errors import InvalidInputError
from cta.domain.instants import rfc3339
from cta.domain.internal_checks import (
    Reintroduction,
    beyond_limits,
    declare,
    end,
    in_force_at,
    prolong,
)
from cta.domain.roles import Permission
from cta.services.internal_check_records import (
    reintroduction_from_row,
    reintroduction_json,
    reintroduction_payload,
    row_fields,
)
from cta.services.node.core import Actor, NodeCore, NotFoundError
from cta.services.ports import Transaction

__all__ = ["InternalCheckUseCases"]

_ACTIONS = {"InternalChecksDeclared": "declare internal checks",
            "InternalChecksProlonged": "prolong internal checks",
            "InternalChecksEnded": "end internal checks"}  # the audit log's words
# how long the pages' list of reintroductions in force is kept (a declaration shows this late)
IN_FORCE_CACHE = timedelta(seconds=5)


class InternalCheckUseCases(NodeCore):
    """Reintroductions declared, prolonged, ended, listed; the one in force at a point."""

    _in_force_cache: tuple[datetime, tuple[Reintroduction, ...]] | None = None

    def declare_internal_checks(
        self, actor: Actor, points: list[str], first: date, last: date, ground: str,
        kind: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Declare checks at this state's internal ``points`` from ``first`` to ``last``, of
        the regime's ``kind`` (None: the kind a declaration naming none takes). The limits are
        those of the regime's version in force on ``first``: the rules the checks run under."""
        self._require(actor, Permission.MANAGE_INTERNAL_CHECKS)
        today = self.today()
        limits = self.regime_on(first).internal_checks
        named = [(code, self.crossing_points.get(code)) for code in points]
        checked = declare("-", self.state, named, first, last, ground, today=today,
                          limits=limits, kind=kind)  # fmt: skip
        now = self.clock()
        with self.store.transaction() as tx:
            # the row names itself by its id ("GEO-IC-3"): a unique placeholder until then
            row_id = tx.add_reintroduction(ref=f"new-{secrets.token_hex(8)}", declared_at=now,
                                           declared_by=actor.name, **row_fields(checked))
            r = replace(checked, id=f"{self.state}-IC-{row_id}")
            tx.set_reintroduction_ref(row_id, r.id)
            self._tell(tx, actor, "InternalChecksDeclared", r, now)
        return self._json(r, today)

    def prolong_internal_checks(
        self, actor: Actor, ref: str, to: date, ground: str
    ) -> dict[str, Any]:
        """Prolong this state's reintroduction ``ref`` to ``to`` (while it is not over)."""
        self._require(actor, Permission.MANAGE_INTERNAL_CHECKS)
        today = self.today()
        with self.store.transaction() as tx:
            r = self._own(tx, ref)
            r = prolong(r, to, ground, today=today,
                        limits=self.regime_on(r.first).internal_checks)  # fmt: skip
            self._tell(tx, actor, "InternalChecksProlonged", r, self.clock())
        return self._json(r, today)

    def end_internal_checks(self, actor: Actor, ref: str) -> dict[str, Any]:
        """End this state's reintroduction ``ref`` early: no checks from today on."""
        self._require(actor, Permission.MANAGE_INTERNAL_CHECKS)
        today = self.today()
        with self.store.transaction() as tx:
            r = end(self._own(tx, ref), today=today)
            self._tell(tx, actor, "InternalChecksEnded", r, self.clock())
        return self._json(r, today)

    def list_internal_checks(self, actor: Actor, *, in_force_only: bool = False) -> dict[str, Any]:
        """Every member's reintroductions this node knows, the latest first (no personal
        data: any user may read them)."""
        del actor  # any authenticated user
        today = self.today()
        with self.store.transaction(read_only=True) as tx:
            found = [reintroduction_from_row(row) for row in tx.reintroductions()]
        if in_force_only:
            found = [r for r in found if r.in_force(today)]
        return {"on": today.isoformat(),
                "internal_checks": [self._json(r, today) for r in found]}  # fmt: skip

    def internal_checks_in_force(self) -> list[Reintroduction]:
        """Every member's reintroductions in force today, read at most every few seconds
        (``IN_FORCE_CACHE``): for the pages that show them; a check reads the store itself."""
        now = self.clock()
        cached = self._in_force_cache
        if cached is not None and cached[0] > now:
            return list(cached[1])
        today = self.today()
        with self.store.transaction(read_only=True) as tx:
            rows = tx.reintroductions(started_by=today)
        found = [r for r in map(reintroduction_from_row, rows) if r.in_force(today)]
        self._in_force_cache = (now + IN_FORCE_CACHE, tuple(found))
        return found

    def reintroduction_at(self, point: CrossingPoint, at: datetime) -> Reintroduction | None:
        """The reintroduction under which this node checks at ``point`` at ``at`` (None: no
        check there: an external point, another state's, or none in force that day)."""
        if point.state != self.state or point.is_external:
            return None
        on = local_date(point, at)
        with self.store.transaction(read_only=True) as tx:
            rows = tx.reintroductions(state=self.state, started_by=on)
        return in_force_at([reintroduction_from_row(row) for row in rows], point.code, on)

    def purge_internal_checks(self, actor: Actor) -> tuple[int, datetime]:
        """The internal checks past their own retention (``internal_check_retention_days``)."""
        before = self.clock() - timedelta(days=self.internal_check_retention_days)
        with self.store.transaction() as tx:
            count = tx.delete_internal_checks_before(before)
            if count:
                self._audit(tx, actor, "internal check retention deletion", None, count=count,
                            before=rfc3339(before))  # fmt: skip
        return count, before

    # -- helpers ---------------------------------------------------------------------------

    def _json(self, r: Reintroduction, today: date) -> dict[str, Any]:
        """As the API shows it, with ``beyond_limits``: why it is beyond the limits of its kind
        in the regime's version in force on its first day (a peer's is filed as its state
        declared it: that state is the one the limits bind), or null."""
        why = beyond_limits(r, self.regime_on(r.first).internal_checks)
        return reintroduction_json(r, today) | {"beyond_limits": why}

    def _own(self, tx: Transaction, ref: str) -> Reintroduction:
        row = tx.reintroduction(ref, lock=True)
        if row is None:
            raise NotFoundError(f"no reintroduction of internal checks {ref!r} on this node")
        if row["state"] != self.state:
            raise InvalidInputError(f"{ref} is {row['state']}'s: only its state changes it")
        return reintroduction_from_row(row)

    def _tell(self, tx: Transaction, actor: Actor, kind: str, r: Reintroduction,
              now: datetime) -> None:  # fmt: skip
        """Store ``r`` as it now stands, tell the peers (a record), audit the admin's act."""
        tx.update_reintroduction(r.id, **row_fields(r))
        self._in_force_cache = None  # this process's pages show the act at once
        seq = tx.emit(kind, reintroduction_payload(r), now)
        self._audit(tx, actor, _ACTIONS[kind], None, internal_checks=r.id, outbox_seq=seq)
