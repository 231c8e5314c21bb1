"""Temporary checks at internal borders (``services.node.internal_checks``): an admin
declares, prolongs or ends this state's reintroduction; any user lists every member's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from cta.domain.internal_checks import GROUND_MAX, KIND_PATTERN
from cta.entrypoints.api.deps import User
from cta.entrypoints.api.once import OnceRoute
from cta.entrypoints.api.schemas import Day
from cta.services.node import Node

__all__ = ["router"]

router = APIRouter(tags=["internal checks"], route_class=OnceRoute)

# words, lines allowed; no other control character (PostgreSQL text cannot hold NUL)
Ground = Annotated[str, Field(min_length=1, max_length=GROUND_MAX,
                              pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")]
Ref = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Z]{3}-IC-[0-9]{1,18}$")]
PointCode = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[A-Z0-9-]+$")]
# one of the regime's kinds (unforeseeable, foreseeable, overall_risk; a regime of one kind:
# default); absent: the kind the regime gives a declaration that names none
Kind = Annotated[str, Field(min_length=1, max_length=40, pattern=f"^{KIND_PATTERN}$")]


class DeclareBody(BaseModel):
    """Checks at these internal crossing points of this state, from and to (both days
    included, the points' calendar), and why; ``kind``: the regime's kind of reintroduction
    (absent: the one it gives a declaration that names none)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    crossing_points: Annotated[list[PointCode], Field(min_length=1, max_length=50)]
    first: Day = Field(alias="from")
    to: Day
    ground: Ground
    kind: Kind | None = None


class ProlongBody(BaseModel):
    """The new last day, and why."""

    model_config = ConfigDict(extra="forbid")
    to: Day
    ground: Ground


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


@router.post("/v1/internal-checks", status_code=201)
async def declare(body: DeclareBody, who: User, request: Request) -> dict[str, Any]:
    """Declare checks at this state's internal crossing points (admin), of one of the regime's
    kinds; a period beyond its limits, a first day past or more than a year ahead, or a kind
    the regime does not name, is refused (422) naming the limit. Sent to the other members."""
    return await run_in_threadpool(_node(request).declare_internal_checks, who,
                                   list(body.crossing_points), body.first, body.to,
                                   body.ground, body.kind)  # fmt: skip


@router.post("/v1/internal-checks/{ref}/prolong")
async def prolong(ref: Ref, body: ProlongBody, who: User, request: Request) -> dict[str, Any]:
    """Prolong one of this state's reintroductions while it is in force or to come (admin);
    a lapsed or ended one is declared anew."""
    return await run_in_threadpool(_node(request).prolong_internal_checks, who, ref, body.to,
                                   body.ground)  # fmt: skip


@router.post("/v1/internal-checks/{ref}/end")
async def end(ref: Ref, who: User, request: Request) -> dict[str, Any]:
    """End one of this state's reintroductions early: no checks from today on (admin)."""
    return await run_in_threadpool(_node(request).end_internal_checks, who, ref)


@router.get("/v1/internal-checks")
async def listing(who: User, request: Request, in_force: bool = False) -> dict[str, Any]:
    """Every member's reintroductions this node knows, past and present, the latest first
    (``in_force=true``: those in force today)."""
    return await run_in_threadpool(_node(request).list_internal_checks, who,
                                   in_force_only=in_force)  # fmt: skip
