"""``/api/v1/uploads``: resumable photo uploads over the tus 1.0 core protocol (creation, expiration, termination).

The protocol lives in headers, which an OpenAPI document can only describe: each operation below lists the ones
it takes and answers.  A phone on a weak network creates an upload (POST, ``Upload-Length``, ``Upload-Metadata``),
sends bytes (PATCH at ``Upload-Offset``), and after a cut asks where to resume (HEAD); the last byte makes the photo,
whose id the PATCH (and every later HEAD) answers in ``Upload-Photo-Id``.
"""
from __future__ import annotations

from email.utils import format_datetime
from typing import Any

import marshmallow as ma
from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import ClientDisconnected

from server.auth.guard import optional_actor
from server.auth.scope import Actor
from server.common.geo import to_wgs84
from server.errors import ApiError, ErrorOut, translate_messages
from server.ratelimit import limiter
from server.uploads import service
from server.uploads.models import ResumableUpload
from server.uploads.schemas import UploadMetadataIn, UploadOut, parse_metadata
from server.web import app_config, clock_now, db, limit_body, public_request, store

blp = Blueprint("uploads", __name__, url_prefix="/api/v1/uploads",
                description="断点续传照片上传 (tus 1.0: POST 创建, PATCH 续传, HEAD 查询位置)")

OFFSET_TYPE = "application/offset+octet-stream"
_READ_CHUNK = 256 * 1024


def _header(name: str, description: str, *, required: bool = True, schema: dict[str, Any] | None = None
            ) -> dict[str, Any]:
    return {"in": "header", "name": name, "required": required, "description": description,
            "schema": schema or {"type": "string"}}


_TUS_RESUMABLE = _header("Tus-Resumable", "the protocol version; always 1.0.0",
                         schema={"type": "string", "enum": [service.TUS_VERSION]})
_H_OFFSET = {"description": "bytes the server holds", "schema": {"type": "integer"}}
_H_LENGTH = {"description": "the upload's total size", "schema": {"type": "integer"}}
_H_EXPIRES = {"description": "when an unfinished upload is abandoned (RFC 7231 date)", "schema": {"type": "string"}}
_H_PHOTO = {"description": "the photo's id (use it in photo_ids), once the last byte arrived",
            "schema": {"type": "string", "format": "uuid"}}
_H_TUS = {"description": "1.0.0", "schema": {"type": "string"}}


@blp.after_request
def _tus_resumable(response: Response) -> Response:
    response.headers["Tus-Resumable"] = service.TUS_VERSION
    response.headers["Cache-Control"] = "no-store"  # offsets change: no cache may answer a HEAD
    return response


def _require_tus() -> None:
    if request.headers.get("Tus-Resumable") != service.TUS_VERSION:
        raise ApiError(412, "tus_version_unsupported", detail={"supported": [service.TUS_VERSION]},
                       headers={"Tus-Version": service.TUS_VERSION})


def _int_header(name: str, *, required: bool = True) -> int | None:
    raw = request.headers.get(name)
    if raw is None:
        if required:
            raise ApiError(400, "tus_header_missing", f"缺少请求头 {name}", {"header": name})
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise ApiError(400, "tus_header_invalid", f"请求头 {name} 应为非负整数", {"header": name})
    return int(raw)


def _actor() -> Actor | None:
    actor = optional_actor()
    if actor is not None:
        actor.require("photo:upload")
    else:  # a tipster's upload
        public_request()
    return actor


def _state_headers(upload: ResumableUpload) -> dict[str, str]:
    headers = {"Upload-Offset": str(upload.offset), "Upload-Length": str(upload.length),
               "Upload-Expires": format_datetime(upload.expires_at, usegmt=True)}
    if upload.photo_uuid:
        headers["Upload-Photo-Id"] = upload.photo_uuid
    return headers


def _location(upload: ResumableUpload) -> str:
    return f"{blp.url_prefix}/{upload.token}"


def _metadata() -> dict[str, Any]:
    try:
        raw = parse_metadata(request.headers.get("Upload-Metadata", ""))
    except ValueError:
        raise ApiError(400, "tus_header_invalid", "请求头 Upload-Metadata 格式错误 (应为 key base64值, 以逗号分隔)",
                       {"header": "Upload-Metadata"})
    try:
        return UploadMetadataIn().load(raw)
    except ma.ValidationError as exc:
        raise ApiError(422, "validation_error", detail={"fields": translate_messages(exc.normalized_messages())})


def _public_upload_limit() -> str:
    return app_config().ratelimit_public_upload


def _received(limit: int) -> bytes:
    """The body as far as it arrived: a phone that loses the network mid-PATCH keeps what reached the server
    (tus: the server stores as much as it received).  At most ``limit + 1`` bytes are read, so a body longer than
    the upload shows itself without being read to the end."""
    chunks: list[bytes] = []
    total = 0
    try:
        while total <= limit:
            chunk = request.stream.read(min(_READ_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except (ClientDisconnected, OSError):  # gone, reset, or timed out by the server: keep what arrived
        pass
    return b"".join(chunks)


@blp.route("", methods=["OPTIONS"])
@blp.doc(security=[])
@blp.response(204, description="what this server supports", headers={
    "Tus-Version": {"description": "1.0.0", "schema": {"type": "string"}},
    "Tus-Extension": {"description": service.TUS_EXTENSIONS, "schema": {"type": "string"}},
    "Tus-Max-Size": {"description": "the largest photo, in bytes", "schema": {"type": "integer"}}})
def capabilities() -> Any:
    """What the server supports (tus discovery); needs no login and no Tus-Resumable"""
    return Response(status=204, headers={"Tus-Version": service.TUS_VERSION, "Tus-Extension": service.TUS_EXTENSIONS,
                                         "Tus-Max-Size": str(app_config().photo_max_bytes)})


@blp.route("", methods=["POST"])
@limiter.limit(_public_upload_limit, exempt_when=lambda: bool(request.headers.get("Authorization")))
@blp.doc(security=[{"bearerAuth": []}, {}], parameters=[
    _TUS_RESUMABLE,
    _header("Upload-Length", "the photo's size in bytes (at most Tus-Max-Size)", schema={"type": "integer"}),
    _header("Upload-Metadata", "comma-separated `key base64(value)` pairs: client_uuid and purpose (required), "
            "filename, claimed_time, lat, lng, coord_system, place_id: the fields of POST /photos")])
@blp.response(201, description="created; PATCH the bytes to Location", headers={
    "Location": {"description": "the upload's URL", "schema": {"type": "string"}},
    "Upload-Offset": _H_OFFSET, "Upload-Expires": _H_EXPIRES, "Tus-Resumable": _H_TUS})
@blp.alt_response(200, description="a retry with the same client_uuid: the upload it started (resume at "
                  "Upload-Offset), or, with Upload-Photo-Id, the photo that already exists",
                  headers={"Location": {"description": "the upload's URL", "schema": {"type": "string"}},
                           "Upload-Offset": _H_OFFSET, "Upload-Photo-Id": _H_PHOTO})
def create() -> Any:
    """Start a resumable photo upload (tus creation).  Idempotent on client_uuid

    Without a login only purpose ``tipoff`` is accepted (as POST /photos); an upload started with a login continues
    (HEAD, PATCH, GET, DELETE) only with the same login.  The photo the last byte makes is the same record POST
    /photos makes: SHA-256, media checks and fraud flags; its id comes back in ``Upload-Photo-Id``."""
    _require_tus()
    length = _int_header("Upload-Length")
    assert length is not None
    meta = _metadata()
    actor = _actor()
    claimed = None
    if meta.get("lat") is not None and meta.get("lng") is not None:
        claimed = to_wgs84(meta["lat"], meta["lng"], meta["coord_system"])
    fields = {"claimed_time": meta["claimed_time"].isoformat() if meta.get("claimed_time") else None,
              "lat": claimed[0] if claimed else None, "lng": claimed[1] if claimed else None,
              "place_id": meta.get("place_id")}
    upload, created = service.create(db(), app_config(), actor, client_uuid=str(meta["client_uuid"]),
                                     purpose=meta["purpose"], length=length, filename=meta.get("filename"),
                                     fields=fields, now=clock_now())
    return Response(status=201 if created else 200, headers={"Location": _location(upload), **_state_headers(upload)})



@blp.route("/<token>")
class UploadByToken(MethodView):
    @blp.doc(security=[{"bearerAuth": []}, {}], parameters=[_TUS_RESUMABLE])
    @blp.response(200, description="where to resume", headers={
        "Upload-Offset": _H_OFFSET, "Upload-Length": _H_LENGTH, "Upload-Expires": _H_EXPIRES,
        "Upload-Photo-Id": _H_PHOTO})
    @blp.alt_response(410, schema=ErrorOut, description="the upload expired: start again")
    def head(self, token: str) -> Any:
        """Ask how many bytes the server holds (resume from Upload-Offset); Upload-Photo-Id once complete"""
        _require_tus()
        upload = service.get(db(), _actor(), token, clock_now())
        return Response(status=200, headers=_state_headers(upload))

    @blp.doc(security=[{"bearerAuth": []}, {}])
    @blp.response(200, UploadOut)
    def get(self, token: str) -> Any:
        """The upload's state as JSON, with the photo id once complete (and the reason if the photo was refused)"""
        return service.get(db(), _actor(), token, clock_now())

    @blp.doc(security=[{"bearerAuth": []}, {}], parameters=[
        _TUS_RESUMABLE,
        _header("Upload-Offset", "where these bytes start: the server's current offset (HEAD)",
                schema={"type": "integer"})],
        requestBody={"required": True, "content": {OFFSET_TYPE: {"schema": {"type": "string", "format": "binary"}}},
                     "description": "the next bytes of the photo (any size up to what remains)"})
    @blp.response(204, description="stored; the last byte makes the photo (Upload-Photo-Id)", headers={
        "Upload-Offset": _H_OFFSET, "Upload-Expires": _H_EXPIRES, "Upload-Photo-Id": _H_PHOTO})
    @blp.alt_response(409, schema=ErrorOut,
                      description="Upload-Offset is not the server's offset (which the answer carries)")
    @blp.alt_response(410, schema=ErrorOut, description="the upload expired: start again")
    @blp.alt_response(422, schema=ErrorOut,
                      description="the complete bytes are not an acceptable photo (as POST /photos)")
    def patch(self, token: str) -> Any:
        """Send the next bytes (tus PATCH).  An empty PATCH at the end retries making the photo after a 503"""
        _require_tus()
        if request.mimetype != OFFSET_TYPE:
            raise ApiError(415, "unsupported_media_type", f"Content-Type 应为 {OFFSET_TYPE}")
        offset = _int_header("Upload-Offset")
        assert offset is not None
        limit = app_config().photo_max_bytes
        limit_body(limit, f"照片过大, 最大 {limit // (1024 * 1024)} MB")
        data = _received(limit)  # read before the database is touched: no lock is held while a phone sends
        actor = _actor()
        done = service.append(db(), app_config(), store(), actor, token, offset=offset, data=data,
                              member_name=actor.display_name if actor else "群众举报", now=clock_now())
        response = Response(status=204, headers=_state_headers(done.upload))
        if done.spent:
            # after the commit (a failed commit answers another response, and this one is never closed)
            objects, spent = store(), done.spent
            response.call_on_close(lambda: service.discard(objects, spent))
        return response

    @blp.doc(security=[{"bearerAuth": []}, {}], parameters=[_TUS_RESUMABLE])
    @blp.response(204, description="the upload and its parts are gone (a photo already made stays)")
    def delete(self, token: str) -> Any:
        """Give up an upload (tus termination)"""
        _require_tus()
        service.terminate(db(), store(), _actor(), token, clock_now())
        return Response(status=204)
