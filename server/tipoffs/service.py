"""Tip-offs (举报): submitted by the public without a login, routed to the grid and township that contain the point,
triaged by township admins, followed by the tipster through a tracking code, rewarded by the county.

The path of a tip-off::

    submitted ──▶ received (待分拣) ──reject──▶ rejected (不予受理, with a public reason)
                    │  ▲ route (from the county's triage queue to a township or grid)
                    ├──merge──▶ merged (into another tip-off or a hazard: it follows that one's progress)
                    └──convert──▶ converted (a hazard of source "tipoff", linked both ways: its progress is public)

Routing: a point in a grid goes to that grid (and its township); a point in the county but in no grid goes to the
township (else the county) whose boundary contains it; an address without a point goes to the county's triage
queue (the first county, in a deployment serving one); a point outside every area is refused (422).

Tracking codes are 10 characters of Crockford's base 32 (50 bits, no I/L/O/U), read over the phone as
XXXX-XXXX-XX.  A code is looked up by its keyed hash (HMAC): whatever the text given, it is normalized, hashed and
looked up in one indexed query, so an unknown or malformed code costs the same work as a real one and both answer
the same 404.  The tracking page shows the public status, the public answer and the dates, never the tipster's
details, the description, the place or the people handling it.

Privacy (PIPL): the tipster's phone and name are stored as Fernet ciphertext (``tipoff_phone_key``; several keys,
the first encrypting, allow rotation) with a masked form for display; the phone also as an HMAC
(``tipoff_hash_key``) that counts a tipster's tip-offs without revealing the number.  Only a county admin handling an
approved reward sees them in clear, through an explicit request that is written to the audit log.  The tipster's
IP address is not recorded with the tip-off (rate limits keep it in memory only).

Concurrency: every triage step claims the tip-off with ``UPDATE ... WHERE id = :id AND version = :seen`` (the
mapper's version column): of two admins handling one tip-off at once exactly one wins, the other gets 409.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Iterable, Sequence

import numpy as np
from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from server.audit import service as audit
from server.auth.scope import Actor
from server.common.fields import FieldProblem, clean_phone, mask_phone
from server.common.geo import to_wgs84
from server.common.records import ListFilters
from server.common.timeutil import local_day
from server.config import Config
from server.errors import ApiError, conflict, invalid, not_found
from server.evidence import service as evidence
from server.hazards import queries as hazard_queries
from server.hazards import service as hazards
from server.org import service as org
from server.org.index import grid_index
from server.org.models import Area, subtree_range
from server.tipoffs.models import CATEGORIES, SERVICE_CODES, STATUS_LABELS, Tipoff, TipoffReward

# --- tracking codes ---------------------------------------------------------------------------------------------------

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
CODE_LENGTH = 10  # 50 bits
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalize_code(text: str) -> str:
    """As a code is read over the phone: case, spaces and hyphens do not matter, O is 0, I and L are 1.  Any text
    comes out as some string; a malformed one simply matches nothing."""
    return "".join(ch for ch in text[:64].upper() if ch not in "- ").translate(_READ_AS)


def _hmac(config: Config, purpose: bytes, value: str) -> str:
    if not config.tipoff_hash_key:
        raise RuntimeError("tipoff_hash_key is not configured")
    return hmac.new(config.tipoff_hash_key.encode(), purpose + b":" + value.encode(), hashlib.sha256).hexdigest()


def code_hash(config: Config, code: str) -> str:
    return _hmac(config, b"tracking-code", normalize_code(code))


def phone_hash(config: Config, phone: str) -> str:
    return _hmac(config, b"phone", phone.replace("-", ""))


# --- the tipster's details (PIPL) -------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    if not keys:
        raise RuntimeError("tipoff_phone_key is not configured")
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def encrypt(config: Config, value: str) -> str:
    return _fernet(config.tipoff_phone_key).encrypt(value.encode()).decode()


def decrypt(config: Config, token: str) -> str:
    return _fernet(config.tipoff_phone_key).decrypt(token.encode()).decode()


def mask_name(name: str) -> str:
    """张** : the family name, not the person."""
    return name[0] + "*" * min(len(name) - 1, 8) if len(name) > 1 else "*"


def normalize_phone(value: Any, field: str = "phone") -> str | None:
    """A mobile (11 digits) or a landline with its area code, as digits; None when not given."""
    phone = clean_phone(value, field)
    return phone.replace("-", "") if phone else None


def phone_limit_key(config: Config, value: Any) -> str | None:
    """The rate-limit key of a phone number (its keyed hash), None when absent or malformed."""
    try:
        phone = normalize_phone(value)
    except FieldProblem:
        return None
    return "tipoff-phone:" + phone_hash(config, phone) if phone else None


# --- routing ----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    area_id: int  # where the tip-off sits: a grid, a township or the county (the triage queue)
    township_id: int | None
    grid_id: int | None


def route_point(session: Session, lat: float, lng: float) -> Route | None:
    """The grid and township containing a WGS-84 point; outside every grid, the township (else the county) whose
    boundary contains it; None outside every area."""
    grid_id = grid_index(session).locate(lat, lng)
    if grid_id is not None:
        return Route(grid_id, org.township_of_grid(session, grid_id), grid_id)
    area = org.enclosing_area(session, lat, lng)
    if area is None:
        return None
    return Route(area.id, area.id if area.level == "township" else None, None)


def county_queue(session: Session) -> Route:
    """The county's triage queue, for a tip-off with an address and no point."""
    county = next(iter(org.counties(session)), None)
    if county is None:
        raise ApiError(503, "no_county", "系统尚未设置县级区域, 暂不能受理举报")
    return Route(county.id, None, None)


def route_many(session: Session, lats: np.ndarray, lngs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(grid id, township id) per WGS-84 point, -1 where the point is in no grid: the grid index's vectorized
    lookup and one query for the townships of all grids (for bulk routing and the benchmark)."""
    grids = grid_index(session).locate_many(lats, lngs)
    townships_of = org.grid_townships(session)
    lookup = np.full(int(max(townships_of, default=0)) + 2, -1, dtype=np.int64)
    for gid, tid in townships_of.items():
        lookup[gid] = tid
    townships = np.where(grids >= 0, lookup[np.clip(grids, 0, len(lookup) - 1)], -1)
    return grids, townships


# --- submitting -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Receipt:
    tracking_code: str
    tipoff: Tipoff | None  # None: the honeypot was filled and nothing was stored
    created: bool = True  # False: a retry of the same client_uuid, answered with the tip-off it made


def _code_for_new(session: Session, config: Config) -> tuple[str, str]:
    for _ in range(8):  # 2**50 codes: a collision is a curiosity, but a unique index must never be the answer
        code = new_code()
        digest = code_hash(config, code)
        if session.scalar(select(Tipoff.id).where(Tipoff.code_hash == digest)) is None:
            return code, digest
    raise RuntimeError("no free tracking code")  # pragma: no cover


def submit(session: Session, config: Config, data: dict[str, Any], *, channel: str, now: datetime) -> Receipt:
    """A tip-off from the public.  ``data``: category, description, location {lat, lng, coord_system} or address,
    photo_ids, media_url (Open311), name, phone, website (the honeypot).

    Every problem with the fields is reported at once (422, detail.fields): no description and no photo, a phone
    number in a wrong format, no location and no address, a location outside the county (code
    ``location_outside_county`` when that is the only problem).  A filled honeypot answers like a success, with a
    tracking code that tracks nothing, and stores nothing."""
    if data.get("website"):
        return Receipt(new_code(), None)
    client_uuid = str(data["client_uuid"]) if data.get("client_uuid") else None
    if client_uuid:
        done = session.scalar(select(Tipoff).where(Tipoff.client_uuid == client_uuid))
        if done is not None:
            return Receipt(done.tracking_code, done, False)
    problems: dict[str, list[str]] = {}
    description = (data.get("description") or "").strip() or None
    photo_ids = list(dict.fromkeys(data.get("photo_ids") or []))
    media_url = (data.get("media_url") or "").strip() or None
    if description is None and not photo_ids and media_url is None:
        problems["description"] = ["请描述问题或上传照片 (至少一项)"]
    try:
        phone = normalize_phone(data.get("phone"))
    except FieldProblem as p:
        phone, problems["phone"] = None, [p.message]
    address = (data.get("address") or "").strip() or None
    location = data.get("location")
    lat = lng = None
    route: Route | None = None
    if location:
        lat, lng = to_wgs84(location["lat"], location["lng"], location.get("coord_system", "wgs84"))
        route = route_point(session, lat, lng)
        if route is None:
            problems["location"] = ["举报位置不在本县范围内"]
    elif address is None:
        problems["location"] = ["请提供位置 (定位) 或地址"]
    if problems:
        if set(problems) == {"location"} and location:
            raise ApiError(422, "location_outside_county", "举报位置不在本县范围内, 请向当地有关部门举报",
                           {"fields": problems})
        raise ApiError(422, "validation_error", "请求参数校验失败", {"fields": problems})
    route = route or county_queue(session)
    name = (data.get("name") or "").strip() or None
    code, digest = _code_for_new(session, config)
    tipoff = Tipoff(
        client_uuid=client_uuid, code_hash=digest, tracking_code=code, channel=channel, category=data["category"],
        description=description, lat=lat, lng=lng, address=address, photo_ids=photo_ids, media_url=media_url,
        name_cipher=encrypt(config, name) if name else None, name_masked=mask_name(name) if name else None,
        phone_cipher=encrypt(config, phone) if phone else None,
        phone_hash=phone_hash(config, phone) if phone else None, phone_masked=mask_phone(phone) if phone else None,
        area_id=route.area_id, township_id=route.township_id, status="received", received_at=now,
        received_day=local_day(now), updated_at=now)
    session.add(tipoff)
    try:
        session.flush()
    except IntegrityError:  # a concurrent retry of the same client_uuid won: it made the tip-off
        session.rollback()
        done = session.scalar(select(Tipoff).where(Tipoff.client_uuid == client_uuid)) if client_uuid else None
        if done is None:
            raise
        return Receipt(done.tracking_code, done, False)
    evidence.attach_public(session, photo_ids, record=f"tipoffs:{tipoff.id}", area_id=tipoff.area_id)
    session.flush()
    return Receipt(code, tipoff)


# --- what the tipster sees --------------------------------------------------------------------------------------------

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
    tipoff = session.scalar(select(Tipoff).where(Tipoff.code_hash == code_hash(config, code)))
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
    states = hazard_queries.public_statuses(session, [t.hazard_id or t.merged_into_hazard_id for t in by_id.values()
                                               if t.hazard_id or t.merged_into_hazard_id])

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


def open311_query(*, service_codes: Sequence[str], start: datetime, end: datetime) -> Select[tuple[Tipoff]]:
    stmt = select(Tipoff).where(Tipoff.received_at >= start, Tipoff.received_at <= end)
    if service_codes:
        stmt = stmt.where(Tipoff.category.in_([SERVICE_CODES[c] for c in service_codes if c in SERVICE_CODES]))
    return stmt.order_by(Tipoff.received_at.desc(), Tipoff.id.desc())


def by_codes(session: Session, config: Config, codes: Sequence[str]) -> list[Tipoff]:
    digests = [code_hash(config, c) for c in codes]
    return list(session.scalars(select(Tipoff).where(Tipoff.code_hash.in_(digests)).order_by(Tipoff.id)))


# --- staff: reading ---------------------------------------------------------------------------------------------------

def get_tipoff(session: Session, actor: Actor, tipoff_id: int) -> Tipoff:
    """The tip-off, if the actor's scope covers its area; otherwise the 404 a missing one gets."""
    tipoff = session.get(Tipoff, tipoff_id)
    if tipoff is None:
        raise not_found("举报")
    actor.require_area(session.get(Area, tipoff.area_id), "举报")
    return tipoff


@dataclass(frozen=True)
class Filters(ListFilters):
    status: tuple[str, ...] = ()
    category: str | None = None
    area_id: int | None = None
    queue: bool | None = None  # sitting on a township or the county, not yet in a grid
    start: date | None = None
    end: date | None = None
    same_tipster_as: int | None = None


def list_query(session: Session, actor: Actor, f: Filters) -> Select[tuple[Tipoff]]:
    """Tip-offs of the actor's scope, newest first."""
    stmt = actor.filter_by_area(select(Tipoff), Tipoff.area_id)
    if f.status:
        stmt = stmt.where(Tipoff.status.in_(f.status))
    if f.category:
        stmt = stmt.where(Tipoff.category == f.category)
    if f.area_id is not None:
        area = session.get(Area, f.area_id)
        lo, hi = subtree_range(area.path) if area is not None and actor.covers(area.path) else ("", "")
        stmt = stmt.where(Area.path >= lo, Area.path < hi)
    if f.queue is not None:
        stmt = stmt.where((Area.level != "grid") if f.queue else (Area.level == "grid"))
    if f.start is not None:
        stmt = stmt.where(Tipoff.received_day >= f.start)
    if f.end is not None:
        stmt = stmt.where(Tipoff.received_day <= f.end)
    if f.same_tipster_as is not None:
        other = get_tipoff(session, actor, f.same_tipster_as)
        stmt = stmt.where(Tipoff.phone_hash == other.phone_hash) if other.phone_hash else stmt.where(false())
    return stmt.order_by(Tipoff.id.desc())


def tipster_counts(session: Session, tipoffs: Sequence[Tipoff]) -> dict[str, int]:
    """{phone hash: how many tip-offs came from that phone} (repeat tipsters), over the whole county."""
    hashes = {t.phone_hash for t in tipoffs if t.phone_hash}
    if not hashes:
        return {}
    return dict(session.execute(select(Tipoff.phone_hash, func.count(Tipoff.id))
                                .where(Tipoff.phone_hash.in_(hashes)).group_by(Tipoff.phone_hash)).all())


def annotate(session: Session, tipoffs: Sequence[Tipoff]) -> list[Tipoff]:
    """Attach what the staff views show beside the columns: the public status, the tipster's tip-off count, the
    area names, the reward."""
    items = list(tipoffs)
    statuses = public_statuses(session, items)
    counts = tipster_counts(session, items)
    area_ids = {t.area_id for t in items} | {t.township_id for t in items if t.township_id}
    names = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(area_ids)))} if area_ids else {}
    rewards = {r.tipoff_id: r for r in session.scalars(
        select(TipoffReward).where(TipoffReward.tipoff_id.in_([t.id for t in items])))} if items else {}
    for t in items:
        t.public_status = statuses[t.id][0]  # type: ignore[attr-defined]
        t.tipster_tipoffs = counts.get(t.phone_hash, 0) if t.phone_hash else None  # type: ignore[attr-defined]
        t.area = names.get(t.area_id)  # type: ignore[attr-defined]
        t.township = names.get(t.township_id) if t.township_id else None  # type: ignore[attr-defined]
        t.reward = rewards.get(t.id)  # type: ignore[attr-defined]
    return items


# --- staff: triage ----------------------------------------------------------------------------------------------------

def _check_received(tipoff: Tipoff) -> None:
    if tipoff.status != "received":
        raise conflict("tipoff_already_handled", f"该举报已处理 (当前状态: {STATUS_LABELS[tipoff.status]})",
                       {"status": tipoff.status})


def _claim(session: Session, actor: Actor, tipoff: Tipoff, status: str, now: datetime, **changes: Any) -> None:
    """Move a received tip-off to ``status``: one conditional UPDATE on the version it was read at."""
    _check_received(tipoff)
    tipoff.status, tipoff.handled_at, tipoff.handled_by_id, tipoff.updated_at = status, now, actor.user_id, now
    for key, value in changes.items():
        setattr(tipoff, key, value)
    try:
        session.flush()
    except StaleDataError:
        raise conflict("tipoff_changed", "该举报刚被他人处理, 请刷新后重试") from None


def route(session: Session, actor: Actor, tipoff_id: int, area_id: int, now: datetime) -> Tipoff:
    """Send a tip-off waiting on the county (or a township) to a township or a grid of the actor's scope."""
    tipoff = get_tipoff(session, actor, tipoff_id)
    _check_received(tipoff)
    area = session.get(Area, area_id)
    if area is None or not actor.covers(area.path):
        raise invalid("area_id", "区域不存在或不在您的辖区内")
    if area.level not in ("township", "grid"):
        raise invalid("area_id", "只能转给乡镇(街道)或网格")
    tipoff.area_id, tipoff.township_id, tipoff.updated_at = area.id, org.township_id_of(area), now
    try:
        session.flush()
    except StaleDataError:
        raise conflict("tipoff_changed", "该举报刚被他人处理, 请刷新后重试") from None
    evidence.move_public(session, tipoff.photo_ids, area.id)
    session.flush()
    return tipoff


def reject(session: Session, actor: Actor, tipoff_id: int, *, reason: str, now: datetime) -> Tipoff:
    """不予受理, with the reason the tipster reads."""
    tipoff = get_tipoff(session, actor, tipoff_id)
    _claim(session, actor, tipoff, "rejected", now, public_answer=reason)
    return tipoff


def _root(session: Session, tipoff: Tipoff) -> Tipoff:
    seen = 0
    while tipoff.merged_into_tipoff_id is not None and seen < 50:
        nxt = session.get(Tipoff, tipoff.merged_into_tipoff_id)
        assert nxt is not None
        tipoff, seen = nxt, seen + 1
    return tipoff


def merge(session: Session, actor: Actor, tipoff_id: int, *, into_tipoff_id: int | None = None,
          into_hazard_id: int | None = None, public_answer: str | None = None, now: datetime) -> Tipoff:
    """Merge a tip-off into another tip-off (the same problem reported twice) or into a hazard already recorded;
    from then on it shows that one's progress."""
    tipoff = get_tipoff(session, actor, tipoff_id)
    _check_received(tipoff)
    if (into_tipoff_id is None) == (into_hazard_id is None):
        raise invalid("into_tipoff_id", "请指定合并到的举报或隐患 (二选一)")
    if into_hazard_id is not None:
        hazard = hazards.get_hazard(session, actor, into_hazard_id)
        _claim(session, actor, tipoff, "merged", now, merged_into_hazard_id=hazard.id,
               public_answer=public_answer or tipoff.public_answer)
        return tipoff
    assert into_tipoff_id is not None
    target = get_tipoff(session, actor, into_tipoff_id)
    if target.id == tipoff.id or _root(session, target).id == tipoff.id:
        raise invalid("into_tipoff_id", "不能合并到自身")
    _claim(session, actor, tipoff, "merged", now, merged_into_tipoff_id=target.id,
           public_answer=public_answer or tipoff.public_answer)
    return tipoff


def convert(session: Session, actor: Actor, tipoff_id: int, data: dict[str, Any], now: datetime) -> Tipoff:
    """Convert into a hazard (source ``tipoff``), linked both ways: at a place the admin picks (its grid and
    sector), or without a place in the grid containing the tip-off's point.  The hazard's closed loop then runs
    as for any hazard, and its progress shows on the tracking page."""
    tipoff = get_tipoff(session, actor, tipoff_id)
    _check_received(tipoff)
    area = session.get(Area, tipoff.area_id)
    assert area is not None
    label, default_sector = CATEGORIES[tipoff.category][1], CATEGORIES[tipoff.category][2]
    _claim(session, actor, tipoff, "converted", now,
           public_answer=data.get("public_answer") or tipoff.public_answer)
    text = data.get("description") or tipoff.description or "(见照片)"
    hazard = hazards.create_from_tipoff(
        session, actor, tipoff_id=tipoff.id, grid_id=area.id if area.level == "grid" else None,
        place_id=data.get("place_id"),
        sector=data.get("sector") or (None if data.get("place_id") is not None else default_sector),
        category=data.get("category") or label, level=data["level"],
        description=text if data.get("description") else f"[群众举报] {text}",
        lat=tipoff.lat, lng=tipoff.lng, photo_ids=tipoff.photo_ids, found_at=tipoff.received_at, now=now)
    tipoff.hazard_id, tipoff.updated_at = hazard.id, now
    evidence.move_public(session, tipoff.photo_ids, hazard.area_id)
    session.flush()
    return tipoff


def answer(session: Session, actor: Actor, tipoff_id: int, *, public_answer: str, now: datetime) -> Tipoff:
    """Write (or rewrite) the public answer: what the tipster reads with the status, and what Open311 lists."""
    tipoff = get_tipoff(session, actor, tipoff_id)
    tipoff.public_answer, tipoff.updated_at = public_answer, now
    try:
        session.flush()
    except StaleDataError:
        raise conflict("tipoff_changed", "该举报刚被他人处理, 请刷新后重试") from None
    return tipoff


# --- the tipster's contact, for a reward ------------------------------------------------------------------------------

def reveal_phone(session: Session, config: Config, actor: Actor, tipoff_id: int, *, reason: str) -> dict[str, Any]:
    """The tipster's phone and name in clear, for a county admin paying an approved reward; every reveal is an
    explicit audit entry (who, when, why, from where)."""
    actor.require("tipoff:reveal")
    tipoff = get_tipoff(session, actor, tipoff_id)
    reward = session.scalar(select(TipoffReward).where(TipoffReward.tipoff_id == tipoff.id))
    if reward is None or reward.decision != "approved":
        raise conflict("reward_not_approved", "只有已批准奖励的举报才能查看举报人联系方式")
    if tipoff.phone_cipher is None and tipoff.name_cipher is None:
        raise conflict("no_contact", "举报人未留联系方式 (匿名举报)")
    shown = {"phone": decrypt(config, tipoff.phone_cipher) if tipoff.phone_cipher else None,
             "name": decrypt(config, tipoff.name_cipher) if tipoff.name_cipher else None}
    audit.record(session, "tipoffs.reveal_phone", "tipoffs", tipoff.id, area_id=tipoff.area_id,
                 summary={"reason": reason, "fields": [k for k, v in shown.items() if v is not None]})
    session.flush()
    return {"tipoff_id": tipoff.id, **shown}


# --- rewards (举报奖励) ---------------------------------------------------------------------------------------------------

REWARD_MAX_FEN = 100_000_000  # 1,000,000 yuan: far above any published scale, well inside an integer column


def is_verified(session: Session, tipoff: Tipoff) -> bool:
    """Converted into a hazard that was not found to be a non-hazard (不予认定)."""
    return tipoff.status == "converted" and tipoff.hazard_id is not None and hazard_queries.verified(
        session, tipoff.hazard_id)


def yuan_to_fen(amount: Decimal) -> int:
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise invalid("amount", "金额最多两位小数")
    return int(fen)


def fen_to_yuan(fen: int | None) -> str | None:
    return None if fen is None else f"{Decimal(fen) / 100:.2f}"


def decide_reward(session: Session, actor: Actor, tipoff_id: int, *, decision: str, amount: Decimal | None,
                  note: str | None, now: datetime) -> TipoffReward:
    """A county admin's decision on a verified tip-off: approved with an amount (yuan, two decimals at most), or
    declined.  One decision per tip-off."""
    actor.require("tipoff:reward")
    tipoff = get_tipoff(session, actor, tipoff_id)
    if not is_verified(session, tipoff):
        raise conflict("tipoff_not_verified", "只有经核实的举报 (已转为隐患且未被认定为非隐患) 才能给予奖励")
    if session.scalar(select(TipoffReward.id).where(TipoffReward.tipoff_id == tipoff.id)) is not None:
        raise conflict("reward_already_decided", "该举报的奖励已作出决定")
    amount_fen = None
    if decision == "approved":
        if amount is None:
            raise invalid("amount", "批准奖励须填写金额")
        amount_fen = yuan_to_fen(amount)
        if not 0 < amount_fen <= REWARD_MAX_FEN:
            raise invalid("amount", f"金额须大于 0 且不超过 {REWARD_MAX_FEN // 100} 元")
    elif amount is not None:
        raise invalid("amount", "不予奖励时不填金额")
    reward = TipoffReward(tipoff_id=tipoff.id, area_id=tipoff.area_id, decision=decision, amount_fen=amount_fen,
                          note=note, decided_by_id=actor.user_id, decided_by_name=actor.display_name,
                          decided_at=now, decided_day=local_day(now))
    session.add(reward)
    session.flush()
    return reward


def mark_paid(session: Session, actor: Actor, tipoff_id: int, *, paid_on: date, note: str | None,
              now: datetime) -> TipoffReward:
    """The approved reward was paid on ``paid_on`` (a local day, not in the future nor before the decision)."""
    actor.require("tipoff:reward")
    tipoff = get_tipoff(session, actor, tipoff_id)
    reward = session.scalar(select(TipoffReward).where(TipoffReward.tipoff_id == tipoff.id))
    if reward is None or reward.decision != "approved":
        raise conflict("reward_not_approved", "该举报没有已批准的奖励")
    if reward.paid_on is not None:
        raise conflict("reward_already_paid", "该奖励已发放")
    if paid_on > local_day(now):
        raise invalid("paid_on", "发放日期不能晚于今天")
    if paid_on < reward.decided_day:
        raise invalid("paid_on", "发放日期不能早于批准日期")
    reward.paid_on, reward.paid_by_id, reward.paid_at, reward.paid_note = paid_on, actor.user_id, now, note
    session.flush()
    return reward


def period_of(day: date, period: str) -> str:
    if period == "year":
        return f"{day.year}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


@dataclass(frozen=True)
class LedgerRow:
    reward: TipoffReward
    tipoff: Tipoff
    township: str
    category_label: str


def ledger(session: Session, actor: Actor, *, start: date, end: date, period: str,
           decision: str | None = None) -> dict[str, Any]:
    """The rewards ledger of [start, end]: every reward decided or paid in the range (one query), and per period
    the approvals (count, amount) by decision day and the payments (count, amount) by the day paid."""
    actor.require("tipoff:reward")
    if start > end:
        raise invalid("end", "结束日期不能早于开始日期")
    stmt = (actor.filter_by_area(select(TipoffReward, Tipoff), TipoffReward.area_id)
            .join(Tipoff, Tipoff.id == TipoffReward.tipoff_id)
            .where(or_((TipoffReward.decided_day >= start) & (TipoffReward.decided_day <= end),
                       (TipoffReward.paid_on >= start) & (TipoffReward.paid_on <= end)))
            .order_by(TipoffReward.decided_day, TipoffReward.id))
    if decision:
        stmt = stmt.where(TipoffReward.decision == decision)
    pairs = session.execute(stmt).all()
    township_ids = {t.township_id for _, t in pairs if t.township_id}
    names = (dict(session.execute(select(Area.id, Area.name).where(Area.id.in_(township_ids))).all())
             if township_ids else {})
    rows = [LedgerRow(r, t, names.get(t.township_id, "") if t.township_id else "", CATEGORIES[t.category][1])
            for r, t in pairs]
    periods: dict[str, dict[str, int]] = {}

    def bucket(key: str) -> dict[str, int]:
        return periods.setdefault(key, {"approved": 0, "approved_fen": 0, "declined": 0, "paid": 0, "paid_fen": 0})

    for row in rows:
        r = row.reward
        if start <= r.decided_day <= end:
            b = bucket(period_of(r.decided_day, period))
            if r.decision == "approved":
                b["approved"] += 1
                b["approved_fen"] += r.amount_fen or 0
            else:
                b["declined"] += 1
        if r.paid_on is not None and start <= r.paid_on <= end:
            b = bucket(period_of(r.paid_on, period))
            b["paid"] += 1
            b["paid_fen"] += r.amount_fen or 0
    totals = {k: sum(p[k] for p in periods.values()) for k in ("approved", "approved_fen", "declined", "paid",
                                                                 "paid_fen")}
    unpaid = [row for row in rows if row.reward.decision == "approved" and row.reward.paid_on is None]
    return {"start": start, "end": end, "period": period, "rows": rows,
            "periods": [{"period": k, **v} for k, v in sorted(periods.items())], "totals": totals,
            "unpaid": len(unpaid), "unpaid_fen": sum(r.reward.amount_fen or 0 for r in unpaid)}


EXPORT_HEADER = ["举报编号", "乡镇(街道)", "举报类别", "举报日期", "隐患编号", "举报人", "联系电话", "决定", "金额(元)",
                 "决定日期", "决定人", "发放日期", "备注"]


def ledger_xlsx(session: Session, actor: Actor, *, start: date, end: date, period: str,
                decision: str | None = None) -> bytes:
    """The ledger as a workbook: one sheet of rewards (contacts masked), one of totals per period."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    data = ledger(session, actor, start=start, end=end, period=period, decision=decision)
    wb = Workbook(write_only=True)

    def bold(ws: Any, values: list[Any]) -> list[Any]:
        cells = []
        for v in values:
            cell = WriteOnlyCell(ws, value=v)
            cell.font = Font(bold=True)
            cells.append(cell)
        return cells

    ws = wb.create_sheet("奖励台账")
    ws.append(bold(ws, [f"举报奖励台账 {start.isoformat()} 至 {end.isoformat()}"]))
    ws.append(bold(ws, EXPORT_HEADER))
    for row in data["rows"]:
        r, t = row.reward, row.tipoff
        ws.append([t.id, row.township, row.category_label, t.received_day, t.hazard_id, t.name_masked or "匿名",
                   t.phone_masked or "", "批准" if r.decision == "approved" else "不予奖励",
                   float(Decimal(r.amount_fen) / 100) if r.amount_fen else None, r.decided_day, r.decided_by_name,
                   r.paid_on, r.note or ""])
    totals = wb.create_sheet("分期合计")
    totals.append(bold(totals, ["期间", "批准件数", "批准金额(元)", "不予奖励件数", "发放件数", "发放金额(元)"]))
    for p in data["periods"] + [{"period": "合计", **data["totals"]}]:
        totals.append([p["period"], p["approved"], p["approved_fen"] / 100, p["declined"], p["paid"],
                       p["paid_fen"] / 100])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
