"""What the public sees of tip-offs: the tracking page (status, public answer, dates: never the tipster, the
description, the place or the people handling it) and the logic of the Open311 GeoReport v2 endpoints (their wire
format is in open311.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.config import Config
from server.errors import ApiError, not_found
from server.hazards import queries as hazard_queries
from server.org.models import Area
from server.tipoffs import privacy
from server.tipoffs.models import PUBLIC_CLOSED, SERVICE_CODES, Tipoff

if TYPE_CHECKING:
    from server.tipoffs.service import TipoffForm

@dataclass(frozen=True)
class PublicView:
    tipoff: Tipoff
    status: str  # received, accepted, rectifying, rectified, done, rejected (PUBLIC_LABELS)
    steps: list[tuple[str, datetime]]
    notes: str | None
    agency: str
    updated_at: datetime


def find_by_code(session: Session, config: Config, code: str) -> Tipoff:
    """The tip-off of a tracking code, or the 404 of any code that names nothing: one keyed hash and one indexed
    query either way."""
    tipoff = session.scalar(select(Tipoff).where(Tipoff.code_hash == privacy.code_hash(config, code)))
    if tipoff is None:
        raise not_found("举报")
    return tipoff


def _follow(steps: Sequence[tuple[str, datetime]], since: datetime) -> list[tuple[str, datetime]]:
    """The steps of what a tip-off joined (its hazard, the tip-off it was merged into) from the moment it joined:
    the stage reached by then, dated then, and every later step."""
    before = [s for s in steps if s[1] <= since]
    start = before[-1][0] if before else "accepted"
    return [("accepted" if start == "received" else start, since)] + [s for s in steps if s[1] > since]


def _dedupe(steps: Iterable[tuple[str, datetime]]) -> list[tuple[str, datetime]]:
    out: list[tuple[str, datetime]] = []
    for s in steps:
        if not out or out[-1][0] != s[0]:
            out.append(s)
    return out


def _agency(session: Session, tipoff: Tipoff) -> str:
    area = session.get(Area, tipoff.township_id or tipoff.area_id)
    return area.name if area else ""


def public_view(session: Session, tipoff: Tipoff, _depth: int = 0) -> PublicView:
    """Status, steps, notes and dates as the tipster reads them."""
    steps: list[tuple[str, datetime]] = [("received", tipoff.received_at)]
    updated = tipoff.updated_at
    handled = tipoff.handled_at or tipoff.received_at
    hazard_id = tipoff.hazard_id or tipoff.merged_into_hazard_id
    if tipoff.status == "rejected":
        steps.append(("rejected", handled))
    elif hazard_id is not None:
        progress = hazard_queries.public_progress(session, hazard_id)
        steps += _follow(progress.steps, handled)
        updated = max(updated, progress.updated_at)
    elif tipoff.merged_into_tipoff_id is not None and _depth < 50:
        target = session.get(Tipoff, tipoff.merged_into_tipoff_id)
        assert target is not None
        joined = public_view(session, target, _depth + 1)
        steps += _follow(joined.steps, handled)
        updated = max(updated, joined.updated_at)
    steps = _dedupe(steps)
    return PublicView(tipoff, steps[-1][0], steps, notes_of(tipoff), _agency(session, tipoff), updated)


def notes_of(tipoff: Tipoff) -> str | None:
    """The public answer, or what a merge says by itself."""
    if tipoff.public_answer is None and tipoff.status == "merged":
        return "已与反映同一问题的其他举报合并办理"
    return tipoff.public_answer


def public_statuses(session: Session, tipoffs: Sequence[Tipoff]) -> dict[int, tuple[str, datetime]]:
    """{tip-off id: (public status, last change)} for many tip-offs: one query for their hazards, one per level of
    merges (Open311 lists)."""
    out: dict[int, tuple[str, datetime]] = {}
    by_id = {t.id: t for t in tipoffs}
    pending = list(tipoffs)
    for _ in range(50):
        missing = {t.merged_into_tipoff_id for t in pending if t.merged_into_tipoff_id
                   and t.merged_into_tipoff_id not in by_id}
        if not missing:
            break
        for t in session.scalars(select(Tipoff).where(Tipoff.id.in_(missing))):
            by_id[t.id] = t
            pending.append(t)
    states = hazard_queries.public_statuses(session, [h for t in by_id.values()
                                               if (h := t.hazard_id or t.merged_into_hazard_id) is not None])

    def status_of(t: Tipoff, depth: int = 0) -> tuple[str, datetime]:
        if t.id in out:
            return out[t.id]
        hid = t.hazard_id or t.merged_into_hazard_id
        if t.status == "rejected":
            result = ("rejected", t.updated_at)
        elif hid is not None and hid in states:
            status, at = states[hid]
            result = (status, max(at, t.updated_at))
        elif t.merged_into_tipoff_id is not None and t.merged_into_tipoff_id in by_id and depth < 50:
            status, at = status_of(by_id[t.merged_into_tipoff_id], depth + 1)
            result = ("accepted" if status == "received" else status, max(at, t.updated_at))
        else:
            result = ("received", t.updated_at)
        out[t.id] = result
        return result

    for t in tipoffs:
        status_of(t)
    return {t.id: out[t.id] for t in tipoffs}


def agencies(session: Session, tipoffs: Sequence[Tipoff]) -> dict[int, str]:
    ids = {t.township_id or t.area_id for t in tipoffs}
    names = dict(session.execute(select(Area.id, Area.name).where(Area.id.in_(ids))).all()) if ids else {}
    return {t.id: names.get(t.township_id or t.area_id, "") for t in tipoffs}


def open311_query(*, service_codes: Sequence[str], start: datetime, end: datetime) -> Select[Tipoff]:
    stmt = select(Tipoff).where(Tipoff.received_at >= start, Tipoff.received_at <= end)
    if service_codes:
        stmt = stmt.where(Tipoff.category.in_([SERVICE_CODES[c] for c in service_codes if c in SERVICE_CODES]))
    return stmt.order_by(Tipoff.received_at.desc(), Tipoff.id.desc())


def by_codes(session: Session, config: Config, codes: Sequence[str]) -> list[Tipoff]:
    digests = [privacy.code_hash(config, c) for c in codes]
    return list(session.scalars(select(Tipoff).where(Tipoff.code_hash.in_(digests)).order_by(Tipoff.id)))


# --- Open311 GeoReport v2 -----------------------------------------------------------------------------------------------

MAX_SPAN = timedelta(days=90)  # the spec's window for GET requests
MAX_RESULTS = 1000  # the spec's default limit
MAX_IDS = 100
MAX_SCANNED = 20 * MAX_RESULTS  # a window's tip-offs read to filter by status (a county's 90 days are far fewer)


def open311_form(form: dict[str, Any]) -> TipoffForm:
    """A POSTed Open311 service request as a tip-off form: the service code names the category (404 when it names
    none), lat and long come together, and the name is written as its script writes it."""
    category = SERVICE_CODES.get(form["service_code"])
    if category is None:
        raise ApiError(404, "service_code_not_found", f"service_code {form['service_code']} 不存在")
    if ("lat" in form) != ("long" in form):
        raise ApiError(400, "validation_error", "lat 与 long 须同时提供")
    names = [form.get("last_name"), form.get("first_name")]
    # Chinese names read family name first, written together; others "first last"
    name = ("".join(n for n in names if n) if any(n and not n.isascii() for n in names)
            else " ".join(n for n in reversed(names) if n)) or None
    return {"category": category, "description": form.get("description"), "address": form.get("address_string"),
            "media_url": form.get("media_url"), "name": name, "phone": form.get("phone"),
            "location": {"lat": form["lat"], "lng": form["long"], "coord_system": "wgs84"} if "lat" in form
            else None}


@dataclass(frozen=True)
class Listed:
    tipoff: Tipoff
    status: str  # the public status (PUBLIC_LABELS)
    closed: bool  # Open311 "closed"
    updated_at: datetime
    agency: str


def open311_requests(session: Session, config: Config, *, ids: str | None, service_codes: str | None,
                     statuses: str | None, start: datetime | None, end: datetime | None,
                     now: datetime) -> list[Listed]:
    """GET Service Requests: the tip-offs of some tracking codes (comma-delimited; then nothing else filters), or
    those received in a window of at most 90 days (default: the 90 days before ``end``, itself now by default),
    of some service codes and statuses (open, closed); at most 1000, newest first."""
    wanted = {s.strip() for s in (statuses or "").split(",") if s.strip()}
    if wanted - {"open", "closed"}:
        raise ApiError(400, "validation_error", "status 只能是 open 或 closed")
    if ids:
        found = by_codes(session, config, [c.strip() for c in ids.split(",") if c.strip()][:MAX_IDS])
        wanted = set()
    else:
        end = end or now
        start = start or end - MAX_SPAN
        if start > end:
            raise ApiError(400, "validation_error", "start_date 不能晚于 end_date")
        if end - start > MAX_SPAN:
            raise ApiError(400, "validation_error", "start_date 与 end_date 相隔不能超过 90 天")
        codes_wanted = [c.strip() for c in (service_codes or "").split(",") if c.strip()]
        unknown = [c for c in codes_wanted if c not in SERVICE_CODES]
        if unknown:
            raise ApiError(400, "validation_error", f"service_code {','.join(unknown)} 不存在")
        found = list(session.scalars(open311_query(service_codes=codes_wanted, start=start, end=end)
                                     .limit(MAX_SCANNED)))
    states = public_statuses(session, found)
    names = agencies(session, found)
    out = []
    for t in found:
        status, updated = states[t.id]
        closed = status in PUBLIC_CLOSED
        if not wanted or ("closed" if closed else "open") in wanted:
            out.append(Listed(t, status, closed, updated, names[t.id]))
        if len(out) >= MAX_RESULTS:
            break
    return out
