"""Photo upload, integrity and fraud signals, short-lived URLs, attaching photos to records, the orphan sweep.

Order of work in an upload, so that a failure loses nothing and leaves nothing half-made: inspect the bytes
(refused before anything is stored) → store the objects (store down: 503, no row) → insert the row (database
down: the objects are orphans, and the sweep removes them once older than a grace period and unreferenced).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

import media
from server.auth.scope import Actor
from server.common.geo import distance_m, to_wgs84
from server.common.records import create_once, find_once
from server.config import Config
from server.errors import ApiError, error, invalid, not_found
from server.evidence.models import PURPOSES, Photo
from server.org.models import Area
from server.places.models import Place
from server.storage import ObjectNotFound, ObjectStore, ObjectStoreUnavailable

# which purposes a record may attach: answers of a visit may carry hazard photos too
ACCEPTS = {"checkin": {"checkin"}, "visit": {"visit", "hazard"}, "publicity": {"publicity"},
           "hazard": {"hazard", "visit"}, "rectification": {"rectification"}, "tipoff": {"tipoff"},
           "recheck": {"rectification", "hazard", "visit"}}

FLAG_MESSAGES = {
    "duplicate_sha256": "同一张照片(字节完全相同)已上传用于其他记录",
    "near_duplicate": "与该网格员近期上传的另一张照片高度相似",
    "exif_time_far": "照片拍摄时间与声明时间相差过大",
    "exif_gps_far": "照片 GPS 位置与声明位置相距过远",
    "exif_gps_far_from_place": "照片 GPS 位置与场所位置相距过远",
    "no_camera_exif": "照片没有相机信息 (可能是截图或转发的图片)",
    "photo_reused": "该照片已用于另一条记录",
}


def flag(code: str, **detail: Any) -> dict[str, Any]:
    return {"code": code, "message": FLAG_MESSAGES[code], **({"detail": detail} if detail else {})}


@dataclass(frozen=True)
class Upload:
    photo: Photo
    created: bool


def _unavailable() -> ApiError:
    return ApiError(503, "object_store_unavailable", "照片存储暂时不可用, 请稍后重试 (照片未保存)",
                    headers={"Retry-After": "30"})


def _put_original(store: ObjectStore, key: str, data: bytes, content_type: str) -> None:
    try:
        store.stat(key)  # content-addressed: the same bytes are stored once
    except ObjectNotFound:
        store.put(key, data, content_type=content_type)


def _fraud_flags(session: Session, config: Config, *, uploader_id: int | None, facts: media.ImageFacts, sha256: str,
                 phash: str, claimed_time: datetime | None, claimed: tuple[float, float] | None,
                 place: Place | None, now: datetime) -> list[dict[str, Any]]:
    flags: list[dict[str, Any]] = []
    same = session.scalar(select(Photo.client_uuid).where(Photo.sha256 == sha256).limit(1))
    if same is not None:
        flags.append(flag("duplicate_sha256", other_photo=same))
    if uploader_id is not None:
        since = now - timedelta(days=config.fraud_phash_days)
        for other_uuid, other_hash in session.execute(
                select(Photo.client_uuid, Photo.phash).where(Photo.uploader_id == uploader_id,
                                                             Photo.created_at >= since, Photo.sha256 != sha256)):
            distance = media.hamming(phash, other_hash)
            if distance <= config.fraud_phash_distance:
                flags.append(flag("near_duplicate", other_photo=other_uuid, distance=distance))
                break
    if facts.taken_at is not None and claimed_time is not None and facts.taken_at_has_offset:
        minutes = abs((facts.taken_at - claimed_time).total_seconds()) / 60
        if minutes > config.fraud_exif_time_minutes:
            flags.append(flag("exif_time_far", minutes=round(minutes)))
    if facts.gps is not None:
        if claimed is not None:
            d = distance_m(facts.gps.lat, facts.gps.lng, *claimed)
            if d > config.fraud_exif_distance_m:
                flags.append(flag("exif_gps_far", metres=round(d)))
        if place is not None and place.lat is not None and place.lng is not None:
            d = distance_m(facts.gps.lat, facts.gps.lng, place.lat, place.lng)
            if d > config.fraud_exif_distance_m:
                flags.append(flag("exif_gps_far_from_place", metres=round(d)))
    if not facts.has_camera_exif:
        flags.append(flag("no_camera_exif"))
    return flags


def upload(session: Session, config: Config, store: ObjectStore, actor: Actor | None, *, client_uuid: str,
           purpose: str, data: bytes, claimed_time: datetime | None, claimed: tuple[float, float] | None,
           place_id: int | None, member_name: str, now: datetime, coord_system: str = "wgs84") -> Upload:
    """Store one photo; idempotent on the client UUID.  ``actor`` is None for the public's tip-off photos.  The
    claimed point is in ``coord_system`` (WeChat gives gcj02) and stored in WGS-84."""
    if claimed is not None:
        claimed = to_wgs84(claimed[0], claimed[1], coord_system)
    if purpose not in PURPOSES:
        raise invalid("purpose", "用途无效")
    if actor is None and purpose != "tipoff":
        raise ApiError(401, "unauthorized")
    uploader_id = actor.user_id if actor else None
    existing = find_once(session, Photo, uploader_id, client_uuid, owner="uploader_id")
    if existing is not None:  # before the work of a new photo
        if uploader_id is None and existing.sha256 != media.sha256(data):
            # anonymous uploads share no owner: only the same bytes make a retry, so that knowing another
            # tipster's photo id does not hand over that photo
            raise error("client_uuid_conflict", message="该 client_uuid 已被其他照片使用")
        return Upload(existing, False)
    place = None
    if place_id is not None:
        place = session.get(Place, place_id)
        if place is None or place.deleted_at is not None or actor is None or not actor.covers(place.area.path):
            raise not_found("企业(场所)")
    area_id = place.area_id if place else (actor.area_ids[0] if actor and actor.area_ids else None)
    area = session.get(Area, area_id) if area_id else None

    try:
        watermark = media.Watermark(
            time=claimed_time or now, place=place.name if place else (area.name if area else "群众举报"),
            member=member_name, lat=claimed[0] if claimed else None, lng=claimed[1] if claimed else None)
        done = media.process(data, watermark, max_bytes=config.photo_max_bytes, now=now)
    except media.TooLarge as exc:
        raise ApiError(413, "payload_too_large", exc.message)
    except media.MediaError as exc:
        raise ApiError(422, exc.code, exc.message, {"fields": {"file": [exc.message]}})

    facts = done.facts
    content_type = facts.content_type
    original_key = f"originals/{done.sha256[:2]}/{done.sha256}"
    # derived keys are new per attempt: a concurrent retry that loses the race leaves orphans, never overwrites
    stem = f"derived/{client_uuid}/{secrets.token_hex(4)}"
    try:
        _put_original(store, original_key, data, content_type)
        store.put(f"{stem}-display.jpg", done.derivatives.display.data, content_type="image/jpeg")
        store.put(f"{stem}-thumb.jpg", done.derivatives.thumbnail.data, content_type="image/jpeg")
    except ObjectStoreUnavailable:
        raise _unavailable()

    flags = _fraud_flags(session, config, uploader_id=uploader_id, facts=facts, sha256=done.sha256, phash=done.phash,
                         claimed_time=claimed_time, claimed=claimed, place=place, now=now)

    def build() -> Photo:
        return Photo(
            client_uuid=client_uuid, uploader_id=uploader_id, area_id=area_id, purpose=purpose, sha256=done.sha256,
            phash=done.phash, format=facts.format, width=facts.width, height=facts.height, size=len(data),
            original_key=original_key, display_key=f"{stem}-display.jpg", thumbnail_key=f"{stem}-thumb.jpg",
            # in UTC like every stored time, so the upload's answer and every later read say the same
            exif_time=facts.taken_at.astimezone(UTC) if facts.taken_at and facts.taken_at_has_offset else None,
            exif_lat=facts.gps.lat if facts.gps else None, exif_lng=facts.gps.lng if facts.gps else None,
            camera=" ".join(x for x in (facts.make, facts.model) if x)[:128] or None,
            has_camera_exif=facts.has_camera_exif, claimed_time=claimed_time,
            claimed_lat=claimed[0] if claimed else None, claimed_lng=claimed[1] if claimed else None,
            place_id=place.id if place else None, flags=flags)

    photo, created = create_once(session, Photo, uploader_id, client_uuid, build, owner="uploader_id", looked_up=True)
    return Upload(photo, created)


def urls(store: ObjectStore, config: Config, photo: Photo) -> dict[str, str]:
    expires = timedelta(minutes=config.photo_url_minutes)
    try:
        return {"display_url": store.presigned_get(photo.display_key, expires=expires),
                "thumbnail_url": store.presigned_get(photo.thumbnail_key, expires=expires)}
    except ObjectStoreUnavailable:
        raise _unavailable()


def original_url(store: ObjectStore, config: Config, photo: Photo) -> str:
    ext = {"jpeg": "jpg", "png": "png", "webp": "webp", "heif": "heic"}[photo.format]
    try:
        return store.presigned_get(photo.original_key, expires=timedelta(minutes=config.photo_url_minutes),
                                   download_name=f"{photo.client_uuid}.{ext}")
    except ObjectStoreUnavailable:
        raise _unavailable()


def get_photo(session: Session, actor: Actor, photo_uuid: str) -> Photo:
    """A photo the actor may see: their own, or one whose area their scope covers (same 404 otherwise).  A
    tip-off's photo follows its tip-off: the admins of the tip-off queue see it, everyone else only once the
    tip-off has become a hazard (its photos are the hazard's then), never before triage."""
    photo = session.scalar(select(Photo).where(Photo.client_uuid == photo_uuid))
    if photo is None:
        raise not_found("照片")
    if photo.uploader_id == actor.user_id:
        return photo
    if photo.purpose == "tipoff" and not actor.can("tipoff:read") and not _became_hazard(session, photo):
        raise not_found("照片")
    area = session.get(Area, photo.area_id) if photo.area_id else None
    if area is None:
        if actor.role != "county_admin":
            raise not_found("照片")
        return photo
    actor.require_area(area, "照片")
    return photo


def load_photos(session: Session, photo_ids: Iterable[str]) -> dict[str, Photo]:
    """The photos with these ids, by id (missing ones left out): one query for a record that names photos in
    several fields, handed to each ``attach`` of it."""
    ids = list(dict.fromkeys(photo_ids))
    if not ids:
        return {}
    return {p.client_uuid: p for p in session.scalars(select(Photo).where(Photo.client_uuid.in_(ids)))}


def attach(session: Session, actor: Actor, photo_ids: Iterable[str], *, record: str, kind: str,
           field: str = "photo_ids", loaded: Mapping[str, Photo] | None = None) -> list[str]:
    """Check the photos a record names (exist, the actor's own or of their scope, the right purpose), mark them
    attached, and return the record flags their evidence raises.  ``loaded``: the ``load_photos`` of every id the
    record names, instead of a query per call."""
    ids = list(dict.fromkeys(photo_ids))
    if not ids:
        return []
    photos = ({pid: loaded[pid] for pid in ids if pid in loaded} if loaded is not None
              else load_photos(session, ids))
    problems = []
    for pid in ids:
        photo = photos.get(pid)
        if photo is None:
            problems.append(f"照片 {pid} 不存在 (请先上传照片)")
        elif photo.uploader_id != actor.user_id and not _in_scope(session, actor, photo):
            problems.append(f"照片 {pid} 不存在 (请先上传照片)")
        elif photo.purpose not in ACCEPTS[kind]:
            problems.append(f"照片 {pid} 的用途是 {photo.purpose}, 不能用于此记录")
    if problems:
        raise ApiError(422, "photo_invalid", detail={"fields": {field: problems}})
    flags: list[str] = []
    for photo in photos.values():
        if photo.attached_to is not None and photo.attached_to != record:
            flags.append("photo_reused")
        elif photo.attached_to is None:
            photo.attached_to = record
        flags.extend(f"photo_{f['code']}" for f in photo.flags)
    return sorted(set(flags))


def attach_public(session: Session, photo_ids: Iterable[str], *, record: str, area_id: int | None,
                  field: str = "photo_ids") -> list[str]:
    """The public's variant of :func:`attach` (a tip-off has no actor): only photos uploaded without a login for
    purpose ``tipoff`` and not yet used by another record.  They move to ``area_id`` (the tip-off's area), so the
    staff who handle the tip-off can see them."""
    ids = list(dict.fromkeys(photo_ids))
    if not ids:
        return []
    photos = {p.client_uuid: p for p in session.scalars(select(Photo).where(Photo.client_uuid.in_(ids)))}
    problems = []
    for pid in ids:
        photo = photos.get(pid)
        if photo is None or photo.uploader_id is not None or photo.purpose != "tipoff":
            problems.append(f"照片 {pid} 不存在 (请先以 tipoff 用途上传照片)")
        elif photo.attached_to is not None and photo.attached_to != record:
            problems.append(f"照片 {pid} 已用于另一条举报")
    if problems:
        raise ApiError(422, "photo_invalid", detail={"fields": {field: problems}})
    for photo in photos.values():
        photo.attached_to = record
        photo.area_id = area_id
    return ids


def move_public(session: Session, photo_ids: Iterable[str], area_id: int) -> None:
    """Tip-off photos follow their tip-off when it is routed to another area or becomes a hazard elsewhere."""
    ids = list(photo_ids)
    if ids:
        for photo in session.scalars(select(Photo).where(Photo.client_uuid.in_(ids), Photo.purpose == "tipoff")):
            photo.area_id = area_id


def _in_scope(session: Session, actor: Actor, photo: Photo) -> bool:
    area = session.get(Area, photo.area_id) if photo.area_id else None
    return actor.covers_area(area)


def sweep(session: Session, store: ObjectStore, now: datetime, grace: timedelta) -> list[str]:
    """Delete stored objects that no photo row references and that are older than ``grace`` (uploads whose
    database insert failed, or retries that lost a race).  Returns the deleted keys."""
    cutoff = now - grace
    deleted = []
    for prefix in ("originals/", "derived/"):
        batch: list[str] = []
        for info in store.list_older_than(prefix, cutoff):
            batch.append(info.key)
            if len(batch) >= 500:
                deleted += _delete_unreferenced(session, store, batch)
                batch = []
        deleted += _delete_unreferenced(session, store, batch)
    return deleted


def _delete_unreferenced(session: Session, store: ObjectStore, keys: list[str]) -> list[str]:
    if not keys:
        return []
    used = set(session.scalars(select(Photo.original_key).where(Photo.original_key.in_(keys))))
    used |= set(session.scalars(select(Photo.display_key).where(Photo.display_key.in_(keys))))
    used |= set(session.scalars(select(Photo.thumbnail_key).where(Photo.thumbnail_key.in_(keys))))
    gone = [k for k in keys if k not in used]
    for key in gone:
        store.delete(key)
    return gone


def _became_hazard(session: Session, photo: Photo) -> bool:
    """Whether the tip-off this public photo belongs to was converted into a hazard."""
    from server.tipoffs.models import Tipoff  # tip-offs build on evidence; this one question goes the other way

    kind, _, ident = (photo.attached_to or "").partition(":")
    if kind != "tipoffs" or not ident.isdigit():
        return False
    return session.scalar(select(Tipoff.hazard_id).where(Tipoff.id == int(ident))) is not None


# flags that speak of another photo: a tipster must learn nothing about photos that are not theirs
ABOUT_OTHER_PHOTOS = frozenset({"duplicate_sha256", "near_duplicate"})


class PublicView:
    """A public upload as its anonymous uploader sees it: without the flags that name another photo (staff see
    them on the stored photo)."""

    def __init__(self, photo: Photo):
        self._photo = photo

    def __getattr__(self, name: str) -> Any:
        return getattr(self._photo, name)

    @property
    def flags(self) -> list[dict[str, Any]]:
        return [f for f in self._photo.flags or [] if f.get("code") not in ABOUT_OTHER_PHOTOS]
