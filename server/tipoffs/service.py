"""Tip-offs (举报): submitted by the public without a login, routed to the grid and township that contain the point,
triaged by township admins, followed by the tipster through a tracking code, rewarded by the county.

The path of a tip-off::

    submitted ──▶ received (待分拣) ──reject──▶ rejected (不予受理, with a public reason)
                    │  ▲ route (from the county's triage queue to a township or grid)
                    ├──merge──▶ merged (into another tip-off or a hazard: it follows that one's progress)
                    └──convert──▶ converted (a hazard of source "tipoff", linked both ways: its progress is public)

Routing (``routing.py``): a point in a grid goes to that grid (and its township); a point in the county but in no
grid goes to the township (else the county) whose boundary contains it; an address without a point goes to the
triage queue of the county it was made in (``made_in``: the QR poster's township code, else the only county); a point
outside every area is refused (422).

Tracking codes are 10 characters of Crockford's base 32 (50 bits, no I/L/O/U), read over the phone as
XXXX-XXXX-XX.  A code is looked up by its keyed hash (HMAC): whatever the text given, it is normalized, hashed and
looked up in one indexed query, so an unknown or malformed code costs the same work as a real one and both answer
the same 404 (``privacy.py``).  The tracking page (``public.py``) shows the public status, the public answer and the dates, never the tipster's
details, the description, the place or the people handling it.

Privacy (PIPL): the tipster's phone and name are stored as Fernet ciphertext (``tipoff_phone_key``; several keys,
the first encrypting, allow rotation) with a masked form for display; the phone also as an HMAC
(``tipoff_hash_key``) that counts a tipster's tip-offs without revealing the number.  Only a county admin handling an
approved reward sees them in clear, through an explicit request that is written to the audit log
(``rewards.py``).  The tipster's IP address is not recorded with the tip-off (rate limits keep it in memory only:
``abuse.py``).

Concurrency: every triage step claims the tip-off with ``UPDATE ... WHERE id = :id AND version = :seen`` (the
mapper's version column): of two admins handling one tip-off at once exactly one wins, the other gets 409.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Sequence, TypedDict

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session

from server.auth.scope import Actor
from server.common.fields import FieldProblem, mask_phone
from server.common.geo import to_wgs84
from server.common.records import ListFilters, create_once, find_once, flush_or_conflict
from server.common.timeutil import local_day
from server.config import Config
from server.errors import ApiError, conflict, invalid, not_found
from server.evidence import service as evidence
from server.hazards import service as hazards
from server.org.models import Area, subtree_range
from server.tipoffs.models import CATEGORIES, STATUS_LABELS, Tipoff, TipoffReward
from server.tipoffs.privacy import code_hash, encrypt, mask_name, new_code, normalize_phone, phone_hash
from server.tipoffs.public import public_statuses
from server.tipoffs.routing import Route, county_queue, route_point

# --- submitting -------------------------------------------------------------------------------------------------------

class Location(TypedDict, total=False):
    lat: float
    lng: float
    accuracy: float | None
    coord_system: str  # wgs84 (default) or gcj02


class TipoffForm(TypedDict, total=False):
    """A tip-off as the public sends it (the API's TipoffCreate, or an Open311 service request): ``category`` is
    required; a description, photos or a media URL; a location or an address; an optional name and phone; and the
    honeypot ``website``."""

    client_uuid: Any  # a UUID or its text
    category: str
    description: str | None
    location: Location | None
    address: str | None
    photo_ids: list[str]
    media_url: str | None
    name: str | None
    phone: str | None
    website: str | None
    made_in: str | None  # the area code of the township (or county) whose QR poster the page was opened from


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


def submit(session: Session, config: Config, data: TipoffForm, *, channel: str, now: datetime) -> Receipt:
    """A tip-off from the public.

    Every problem with the fields is reported at once (422, detail.fields): no description and no photo, a phone
    number in a wrong format, no location and no address, a location outside the county (code
    ``location_outside_county`` when that is the only problem).  A filled honeypot answers like a success, with a
    tracking code that tracks nothing, and stores nothing."""
    if data.get("website"):
        return Receipt(new_code(), None)
    client_uuid = str(data["client_uuid"]) if data.get("client_uuid") else None
    done = find_once(session, Tipoff, None, client_uuid, owner=None) if client_uuid else None
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
            raise ApiError(422, "location_outside_county", detail={"fields": problems})
        raise ApiError(422, "validation_error", detail={"fields": problems})
    route = route or county_queue(session, data.get("made_in"))
    name = (data.get("name") or "").strip() or None
    code, digest = _code_for_new(session, config)
    tipoff, created = create_once(session, Tipoff, None, client_uuid, lambda: Tipoff(
        client_uuid=client_uuid, code_hash=digest, tracking_code=code, channel=channel, category=data["category"],
        description=description, lat=lat, lng=lng, address=address, photo_ids=photo_ids, media_url=media_url,
        name_cipher=encrypt(config, name) if name else None, name_masked=mask_name(name) if name else None,
        phone_cipher=encrypt(config, phone) if phone else None,
        phone_hash=phone_hash(config, phone) if phone else None, phone_masked=mask_phone(phone) if phone else None,
        area_id=route.area_id, township_id=route.township_id, status="received", received_at=now,
        received_day=local_day(now), updated_at=now), owner=None)
    if not created:  # a concurrent retry of the same client_uuid won: it made the tip-off
        return Receipt(tipoff.tracking_code, tipoff, False)
    evidence.attach_public(session, photo_ids, record=f"tipoffs:{tipoff.id}", area_id=tipoff.area_id)
    session.flush()
    return Receipt(code, tipoff)


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


def list_query(session: Session, actor: Actor, f: Filters) -> Select[Tipoff]:
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
    rows = session.execute(select(Tipoff.phone_hash, func.count(Tipoff.id))
                           .where(Tipoff.phone_hash.in_(hashes)).group_by(Tipoff.phone_hash)).all()
    return {h: n for h, n in rows if h is not None}


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
    for item in items:
        t: Any = item  # the attributes below are for this answer only, not columns
        t.public_status = statuses[t.id][0]
        t.tipster_tipoffs = counts.get(t.phone_hash, 0) if t.phone_hash else None
        t.area = names.get(t.area_id)
        t.township = names.get(t.township_id) if t.township_id else None
        t.reward = rewards.get(t.id)
    return items


# --- staff: triage ----------------------------------------------------------------------------------------------------

def _check_received(tipoff: Tipoff) -> None:
    if tipoff.status != "received":
        raise conflict("tipoff_already_handled", f"该举报已处理 (当前状态: {STATUS_LABELS[tipoff.status]})",
                       {"status": tipoff.status})


def _flush_claim(session: Session) -> None:
    flush_or_conflict(session, "tipoff_changed")


def _claim(session: Session, actor: Actor, tipoff: Tipoff, status: str, now: datetime, **changes: Any) -> None:
    """Move a received tip-off to ``status``: one conditional UPDATE on the version it was read at."""
    _check_received(tipoff)
    tipoff.status, tipoff.handled_at, tipoff.handled_by_id, tipoff.updated_at = status, now, actor.user_id, now
    for key, value in changes.items():
        setattr(tipoff, key, value)
    _flush_claim(session)


def route(session: Session, actor: Actor, tipoff_id: int, area_id: int, now: datetime) -> Tipoff:
    """Send a tip-off waiting on the county (or a township) to a township or a grid of the actor's scope."""
    tipoff = get_tipoff(session, actor, tipoff_id)
    _check_received(tipoff)
    area = session.get(Area, area_id)
    if area is None or not actor.covers(area.path):
        raise invalid("area_id", "区域不存在或不在您的辖区内")
    if area.level not in ("township", "grid"):
        raise invalid("area_id", "只能转给乡镇(街道)或网格")
    tipoff.area_id, tipoff.township_id, tipoff.updated_at = area.id, area.township_id, now
    _flush_claim(session)
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
    sector), or without a place in the grid containing the tip-off's point, with an address (default: the
    tipster's) and the responsible party the order will be addressed to.  The hazard's closed loop then runs
    as for any hazard, and its progress shows on the tracking page."""
    tipoff = get_tipoff(session, actor, tipoff_id)
    _check_received(tipoff)
    area = session.get(Area, tipoff.area_id)
    assert area is not None
    address = data.get("address") or tipoff.address
    if data.get("place_id") is None and area.level == "grid" and not (address and data.get("responsible_party")):
        # an order needs someone to address: the place, or an address and who answers for it
        raise ApiError(422, "validation_error", detail={"fields": {
            "place_id": ["请选择隐患所在的企业(场所), 或填写地址和责任单位(人)"],
            **({} if data.get("responsible_party") else {"responsible_party": ["未选择企业(场所)时必填"]}),
            **({} if address else {"address": ["未选择企业(场所)且举报未填地址时必填"]})}})
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
        lat=tipoff.lat, lng=tipoff.lng, photo_ids=tipoff.photo_ids, found_at=tipoff.received_at, now=now,
        address=None if data.get("place_id") is not None else address,
        responsible_party=None if data.get("place_id") is not None else data.get("responsible_party"))
    tipoff.hazard_id, tipoff.updated_at = hazard.id, now
    evidence.move_public(session, tipoff.photo_ids, hazard.area_id)
    session.flush()
    return tipoff


def answer(session: Session, actor: Actor, tipoff_id: int, *, public_answer: str, now: datetime) -> Tipoff:
    """Write (or rewrite) the public answer: what the tipster reads with the status, and what Open311 lists."""
    tipoff = get_tipoff(session, actor, tipoff_id)
    tipoff.public_answer, tipoff.updated_at = public_answer, now
    _flush_claim(session)
    return tipoff
