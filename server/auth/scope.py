"""Authorization in one place: what a role may do, and which areas an actor's scope covers.

Two questions, asked in this order for every request:
1. may this role do this kind of thing at all? (role permission; a "no" is 403 and says nothing about objects)
2. does the actor's scope cover the object's area? (a "no" is 404, the same answer as a missing object)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, and_, false, or_
from sqlalchemy.orm import InstrumentedAttribute

from server.errors import forbidden, not_found
from server.org.models import Area, subtree_range

ALL = frozenset({"member", "township_admin", "county_admin", "inspector"})
ADMINS = frozenset({"township_admin", "county_admin"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "area:read": ALL,
    "area:write": ADMINS,
    "place:read": ALL,
    "place:write": ADMINS | {"member"},  # members keep the 一企一档 of their grid up to date
    "place:delete": ADMINS,
    "place:import": ADMINS,
    "user:read": ADMINS,
    "user:write": ADMINS,
    "audit:read": frozenset({"county_admin"}),
    "checklist:read": ALL,
    "field:create": frozenset({"member"}),      # clock-ins, visits, publicity, reports: the member's own records
    "field:read": ALL,                          # members read their own, others their scope
    "task:create": ADMINS,
    "task:read": ALL,
    "task:complete": frozenset({"member"}),
    "bulletin:read": ALL,
    "bulletin:publish": ADMINS,
    # hazards' closed loop (闭环整改); the steps' extra rules live in server/hazards/service.py
    "hazard:read": ALL,
    "hazard:create": frozenset({"township_admin", "inspector", "member"}),  # members: 随手拍 in their grids
    "hazard:correct": frozenset({"township_admin", "county_admin"}),  # the place and responsible party, later
    "hazard:order": frozenset({"township_admin", "inspector"}),    # 责令限期整改
    "hazard:reject": frozenset({"township_admin", "inspector", "county_admin"}),
    "hazard:rectify": frozenset({"member"}),                       # on behalf of the place
    "hazard:recheck": ALL,                                         # never by the person who recorded the rectification
    "hazard:close": ALL,                                           # members: general hazards only
    "hazard:supervise": frozenset({"county_admin"}),               # 挂牌督办
    "hazard:report": ADMINS | {"inspector"},                       # stats, export, escalated and supervised lists
    "photo:upload": ALL,
    "photo:read": ALL,
    "photo:original": ADMINS,
    "review:decide": ADMINS,
    # tip-offs (举报); submitting and tracking need no login.  Grid members and inspectors see none: a tip-off
    # reaches the grid as a hazard once a township admin has triaged it (and the tipster's details never do)
    "tipoff:read": ADMINS,
    "tipoff:triage": ADMINS,                            # route, reject, merge, convert into a hazard, answer
    "tipoff:reward": frozenset({"county_admin"}),       # 举报奖励: decisions, payments, the ledger
    "tipoff:reveal": frozenset({"county_admin"}),       # the tipster's phone and name, to pay a reward; audited
    # monthly rankings (月排名); which boards an actor reads: server/ranking/service.py, townships_in_scope
    "ranking:read": ALL,                                 # published boards in scope, posters, exports, rules
    "ranking:me": frozenset({"member"}),
    "ranking:draft": ADMINS,                             # drafts are not shown to members or inspectors
    "ranking:compute": frozenset({"county_admin"}),      # the county ranks every township at once
    "ranking:publish": frozenset({"county_admin"}),
    "ranking:rule": frozenset({"county_admin"}),
    # background jobs: the requester's own, and admins' of areas in their scope (server/jobs/service.py)
    "job:read": ALL,
}

# Which roles an admin may create or edit: nobody grants more than they have.
GRANTABLE_ROLES: dict[str, frozenset[str]] = {
    "county_admin": ALL,
    "township_admin": frozenset({"member", "inspector"}),
}


_S = TypeVar("_S", bound=Select)  # a select keeps its own row type through the scope filter


@dataclass(frozen=True)
class Actor:
    """Who is asking: a plain value handed to services instead of the request."""

    user_id: int
    username: str
    display_name: str
    role: str
    area_ids: tuple[int, ...]
    area_paths: tuple[str, ...]

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise forbidden()

    def covers(self, path: str) -> bool:
        return any(path.startswith(root) for root in self.area_paths)

    def covers_area(self, area: Area | None) -> bool:
        return area is not None and self.covers(area.path)

    def require_area(self, area: Area | None, what: str = "对象") -> Area:
        """The area, if the scope covers it; otherwise the same 404 a missing object gets."""
        if area is None or not self.covers(area.path):
            raise not_found(what)
        return area

    def area_clause(self, path_column: InstrumentedAttribute[str] | Any) -> Any:
        """A WHERE clause limiting ``path_column`` (an Area.path) to this scope: one range per scope root."""
        if not self.area_paths:
            return false()
        ranges = [and_(path_column >= lo, path_column < hi) for lo, hi in map(subtree_range, self.area_paths)]
        return or_(*ranges)

    def filter_by_area(self, stmt: _S, area_id_column: Any) -> _S:
        """Limit a query of objects that carry an ``area_id`` to those inside the scope."""
        return stmt.join(Area, Area.id == area_id_column).where(self.area_clause(Area.path))


def actor_for(user: Any) -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        area_ids=tuple(a.id for a in user.areas),
        area_paths=tuple(a.path for a in user.areas),
    )


SYSTEM = Actor(user_id=0, username="system", display_name="系统", role="county_admin", area_ids=(),
               area_paths=("/",))
