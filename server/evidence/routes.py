"""照片证据: thin routes for photo upload (multipart, as wx.uploadFile sends it) and scoped URLs."""
from __future__ import annotations

from functools import wraps
from typing import Any, ClassVar

from flask import redirect, request
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from server.auth.guard import current_actor, login_required, optional_actor
from server.evidence import service
from server.evidence.schemas import PhotoOut, PhotoUpload
from server.ops import metrics
from server.ratelimit import limiter
from server.web import app_config, clock_now, db, limit_body, public_request, store


class _MultipartParser(FlaskParser):
    """Reads a multipart body's fields and files as one schema, so the OpenAPI document describes the whole body
    as one ``requestBody`` (OpenAPI 3 has no ``formData`` parameters; Swagger UI sends what is described)."""

    def load_multipart(self, req: Any, schema: Any) -> Any:
        # an empty box of a form means "not given": Swagger UI's "Try it out" sends every field of the body
        form = MultiDict([(k, v) for k, v in req.form.items(multi=True) if v != ""])
        return MultiDictProxy(CombinedMultiDict([form, req.files]), schema)


class _Blueprint(Blueprint):
    ARGUMENTS_PARSER = _MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING: ClassVar[dict[str, str]] = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "multipart": "multipart/form-data"}


_MultipartParser.__location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

blp = _Blueprint("evidence", __name__, url_prefix="/api/v1/photos", description="照片证据")

_FORM_OVERHEAD = 64 * 1024


def _refuse_oversized_body() -> None:
    """A too-large photo is never read into memory."""
    limit_body(app_config().photo_max_bytes + _FORM_OVERHEAD,
               f"照片过大, 最大 {app_config().photo_max_bytes // (1024 * 1024)} MB")


def _photo_sized(view: Any) -> Any:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _refuse_oversized_body()  # before the form is parsed, i.e. before the body is read
        return view(*args, **kwargs)
    return wrapper


def _public_upload_limit() -> str:
    return app_config().ratelimit_public_upload


def _with_urls(photo: Any) -> Any:
    """The photo with fresh URLs (plain attributes, not columns: minted per answer, never stored)."""
    for name, url in service.urls(store(), app_config(), photo).items():
        setattr(photo, name, url)
    return photo


@blp.route("", methods=["POST"])
@limiter.limit(_public_upload_limit, exempt_when=lambda: bool(request.headers.get("Authorization")))
@_photo_sized
@blp.doc(security=[{"bearerAuth": []}, {}])
@blp.arguments(PhotoUpload, location="multipart")
@blp.response(201, PhotoOut)
@blp.alt_response(200, schema=PhotoOut, description="a retry: the photo the first attempt stored")
def upload(form: dict[str, Any]) -> Any:
    """Upload a photo (multipart field ``file``, as wx.uploadFile sends it).  Kept byte-for-byte; answers the
    photo id and short-lived display and thumbnail URLs.  Without a login only purpose ``tipoff`` is accepted."""
    actor = optional_actor()
    if actor is not None:
        actor.require("photo:upload")
    else:  # a tipster's photo
        public_request()
    claimed = None
    if form.get("lat") is not None and form.get("lng") is not None:
        claimed = (form["lat"], form["lng"])
    data = form["file"].read()
    result = service.upload(
        db(), app_config(), store(), actor, client_uuid=str(form["client_uuid"]), purpose=form["purpose"],
        data=data, claimed_time=form.get("claimed_time"), claimed=claimed, coord_system=form["coord_system"],
        place_id=form.get("place_id"), member_name=actor.display_name if actor else "群众举报", now=clock_now())
    if result.created:
        metrics.photo_stored(form["purpose"], len(data))
    answer = _with_urls(result.photo) if actor is not None else service.PublicView(_with_urls(result.photo))
    return answer, 201 if result.created else 200


@blp.route("/<photo_id>", methods=["GET"])
@login_required("photo:read")
@blp.response(200, PhotoOut)
def photo(photo_id: str) -> Any:
    """A photo's facts and flags with fresh URLs (the scope is checked before a URL is made)"""
    return _with_urls(service.get_photo(db(), current_actor(), photo_id))


@blp.route("/<photo_id>/original", methods=["GET"])
@login_required("photo:original")
@blp.response(302, description="redirect to a short-lived URL of the original bytes")
def original(photo_id: str) -> Any:
    """The original exactly as uploaded (admins only)"""
    found = service.get_photo(db(), current_actor(), photo_id)
    return redirect(service.original_url(store(), app_config(), found), code=302)
