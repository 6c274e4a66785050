"""Resumable photo uploads (断点续传, tus 1.0 core): create, append a part, finish into a photo, expire and sweep.

Where the bytes wait: each PATCH's bytes become one staging object ``uploads/<token>/<offset>``, and the finished
upload reads its parts back, joins them and hands the bytes to the evidence service, which runs the same checks,
hashes, fraud flags and idempotency as ``POST /photos``.  Not S3 multipart: S3 wants parts of at least 5 MB (all
but the last) and a phone on a weak network sends smaller pieces, so a multipart upload would have to buffer
across requests; and the media checks need the whole photo in memory anyway (≤ ``photo_max_bytes``), so a
server-side compose would save nothing.  Plain objects behave the same on the local store and on S3.

Order of work, so that a failure loses nothing and leaves nothing half-made: a part is stored under a key fixed by
its offset (a retry of the same PATCH overwrites it), then the row's offset moves; a part whose row change was
rolled back is an orphan the sweep removes after the grace period.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.auth.scope import Actor
from server.common.records import create_once
from server.config import Config
from server.errors import ApiError, not_found
from server.evidence import service as evidence
from server.evidence.models import PURPOSES, Photo
from server.storage import (
    ObjectNotFound,
    ObjectStore,
    ObjectStoreError,
    ObjectStoreUnavailable,
)
from server.uploads.models import STAGING_PREFIX, ResumableUpload

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,expiration,termination"
# a failure of the finished bytes that a retry cannot change: the photo is refused, the upload stays failed
_PERMANENT = {413, 422}


def _expired(upload: ResumableUpload) -> ApiError:
    return ApiError(410, "upload_expired")


def create(session: Session, config: Config, actor: Actor | None, *, client_uuid: str, purpose: str, length: int,
           filename: str | None, fields: dict[str, Any], now: datetime) -> tuple[ResumableUpload, bool]:
    """Start an upload of ``length`` bytes, or answer the one this client UUID already started (a phone that lost
    the answer to its POST resumes instead of starting again).  A photo that already exists under the UUID
    answers an upload that is already complete."""
    if purpose not in PURPOSES:
        raise ApiError(422, "validation_error", detail={"fields": {"purpose": ["用途无效"]}})
    if actor is None and purpose != "tipoff":
        raise ApiError(401, "unauthorized")
    if length > config.photo_max_bytes:
        raise ApiError(413, "payload_too_large", f"照片过大, 最大 {config.photo_max_bytes // (1024 * 1024)} MB")
    uploader_id = actor.user_id if actor else None
    expires = now + timedelta(hours=config.upload_expiry_hours)
    photo = session.scalar(select(Photo).where(Photo.client_uuid == client_uuid))
    if photo is not None and photo.uploader_id != uploader_id:
        raise ApiError(409, "client_uuid_conflict", "该 client_uuid 已被其他用户使用")

    def build() -> ResumableUpload:
        done = photo is not None
        return ResumableUpload(
            token=secrets.token_urlsafe(16), client_uuid=client_uuid, uploader_id=uploader_id, purpose=purpose,
            filename=filename, fields=fields, length=length, offset=length if done else 0, parts=[],
            photo_uuid=photo.client_uuid if photo else None, completed_at=now if done else None, expires_at=expires,
            created_at=now)

    upload, created = create_once(session, ResumableUpload, uploader_id, client_uuid, build, owner="uploader_id")
    if created or upload.photo_uuid is not None:
        return upload, created
    if photo is not None:  # the photo came another way (POST /photos) while this upload was under way
        upload.photo_uuid, upload.offset, upload.completed_at = photo.client_uuid, upload.length, now
        upload.parts = []  # their objects are orphans now: the sweep removes them after the grace period
        return upload, False
    if upload.expires_at <= now or upload.length != length or upload.failed_at is not None:
        # abandoned, or another file under the same UUID: start afresh under a new URL (old parts: swept)
        upload.token = secrets.token_urlsafe(16)
        upload.length, upload.offset, upload.parts = length, 0, []
        upload.error, upload.failed_at = None, None
        upload.purpose, upload.filename, upload.fields = purpose, filename, fields
        upload.expires_at = expires
        return upload, True
    return upload, False


def get(session: Session, actor: Actor | None, token: str, now: datetime, *, lock: bool = False) -> ResumableUpload:
    """The upload behind a URL.  The URL is a capability, and an upload started with a login continues only with
    the same login (anyone else gets the same 404 as for a missing upload)."""
    stmt = select(ResumableUpload).where(ResumableUpload.token == token)
    upload = session.scalar(stmt.with_for_update() if lock else stmt)
    if upload is None or (upload.uploader_id is not None
                          and (actor is None or actor.user_id != upload.uploader_id)):
        raise not_found("上传")
    if upload.expires_at <= now and upload.photo_uuid is None:
        raise _expired(upload)
    return upload


def check_patch(upload: ResumableUpload, offset: int, size: int) -> None:
    """The PATCH must continue exactly where the server is, and not carry bytes beyond the announced length."""
    if offset != upload.offset:
        raise ApiError(409, "upload_offset_mismatch", detail={"offset": upload.offset},
                       headers={"Upload-Offset": str(upload.offset)})
    if upload.offset + size > upload.length:
        raise ApiError(413, "upload_exceeds_length", detail={"length": upload.length, "offset": upload.offset})


@dataclass(frozen=True)
class Appended:
    upload: ResumableUpload
    spent: list[str]  # the parts of a photo just made: delete them (discard) once the photo is committed


def append(session: Session, config: Config, store: ObjectStore, actor: Actor | None, token: str, *, offset: int,
           data: bytes, member_name: str, now: datetime) -> Appended:
    """Store the bytes of one PATCH at ``offset``; when they are the last ones, make the photo."""
    upload = get(session, actor, token, now, lock=True)  # two PATCHes of one upload: the second sees the new offset
    if upload.photo_uuid is not None:
        if data:
            check_patch(upload, offset, len(data))
        return Appended(upload, [])
    check_patch(upload, offset, len(data))
    if data:
        try:
            store.put(upload.part_key(offset), data, content_type="application/octet-stream")
        except ObjectStoreUnavailable:
            raise ApiError(503, "object_store_unavailable", "照片存储暂时不可用, 请稍后重试 (本段未保存)",
                           headers={"Retry-After": "30"})
        upload.parts = [*upload.parts, [offset, len(data)]]
        upload.offset = offset + len(data)
    upload.expires_at = now + timedelta(hours=config.upload_expiry_hours)  # activity keeps an upload alive
    if upload.failed_at is not None:
        raise failure(upload)
    if upload.offset == upload.length:
        return Appended(upload, _finish(session, config, store, actor if upload.uploader_id is not None else None,
                                        upload, member_name, now))
    return Appended(upload, [])


def discard(store: ObjectStore, keys: list[str]) -> None:
    """Delete spent parts; if the store fails now, they are orphans the sweep removes after the grace period."""
    try:
        for key in keys:
            store.delete(key)
    except ObjectStoreError:
        pass


def failure(upload: ResumableUpload) -> ApiError:
    """Why the finished bytes made no photo, as the evidence service said it (e.g. not an image)."""
    error = upload.error or {}
    return ApiError(422, error.get("code", "validation_error"), error.get("message", "照片无效"),
                    error.get("detail"))


def _finish(session: Session, config: Config, store: ObjectStore, actor: Actor | None, upload: ResumableUpload,
            member_name: str, now: datetime) -> list[str]:
    """Make the photo; answer the keys of the parts it was made of, for :func:`discard` once that is committed."""
    try:
        data = b"".join(store.get(upload.part_key(offset)) for offset, _ in upload.parts)
    except ObjectStoreUnavailable:
        raise ApiError(503, "object_store_unavailable", headers={"Retry-After": "30"})
    except ObjectNotFound:
        data = b""
    if len(data) != upload.length:  # a part lost from the store: the bytes cannot be trusted, start again
        upload.expires_at = now
        raise ApiError(410, "upload_expired", "该上传的数据已丢失, 请重新上传照片", persist=True)
    f = upload.fields
    claimed = (f["lat"], f["lng"]) if f.get("lat") is not None and f.get("lng") is not None else None
    claimed_time = datetime.fromisoformat(f["claimed_time"]) if f.get("claimed_time") else None
    try:
        result = evidence.upload(session, config, store, actor, client_uuid=upload.client_uuid,
                                 purpose=upload.purpose, data=data, claimed_time=claimed_time, claimed=claimed,
                                 place_id=f.get("place_id"), member_name=member_name, now=now)
    except ApiError as exc:
        if exc.status not in _PERMANENT:
            raise
        # the offset and the reason are kept (HEAD and GET tell them); the parts go with the sweep
        upload.error = {"code": exc.code, "message": exc.message, "detail": exc.detail}
        upload.failed_at = now
        raise ApiError(exc.status, exc.code, exc.message, exc.detail, exc.headers, persist=True)
    upload.photo_uuid = result.photo.client_uuid
    upload.completed_at = now
    spent = [upload.part_key(offset) for offset, _ in upload.parts]
    upload.parts = []
    return spent


def terminate(session: Session, store: ObjectStore, actor: Actor | None, token: str, now: datetime) -> None:
    """The client gives up (tus termination): the parts and the upload go; a photo already made stays."""
    upload = get(session, actor, token, now, lock=True)
    _delete_parts(store, upload)
    session.delete(upload)


def _delete_parts(store: ObjectStore, upload: ResumableUpload) -> list[str]:
    keys = [upload.part_key(offset) for offset, _ in upload.parts]
    for key in keys:
        store.delete(key)
    upload.parts = []
    return keys


def sweep(session: Session, store: ObjectStore, now: datetime, grace: timedelta) -> list[str]:
    """Remove what uploads leave behind: the parts of finished uploads, expired uploads with their parts, and
    staging objects older than ``grace`` that no upload names (a part whose database change was rolled back).
    Returns the deleted keys."""
    deleted: list[str] = []
    for upload in session.scalars(select(ResumableUpload).where(
            or_(ResumableUpload.photo_uuid.is_not(None), ResumableUpload.failed_at.is_not(None)))):
        if upload.parts:
            deleted += _delete_parts(store, upload)
    for upload in session.scalars(select(ResumableUpload).where(ResumableUpload.expires_at <= now)):
        deleted += _delete_parts(store, upload)
        session.delete(upload)
    session.flush()
    live = {upload.token: {upload.part_key(offset) for offset, _ in upload.parts}
            for upload in session.scalars(select(ResumableUpload))}
    for info in store.list_older_than(STAGING_PREFIX, now - grace):
        token = info.key[len(STAGING_PREFIX):].split("/", 1)[0]
        if info.key not in live.get(token, ()):
            store.delete(info.key)
            deleted.append(info.key)
    return deleted
