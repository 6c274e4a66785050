"""``GET /files/<key>``: serves objects of the local store to holders of a signed, unexpired URL.

The app registers this blueprint only when the store is local; with S3 the presigned URLs point at the S3 server.
Files are streamed from an open handle (Range and conditional requests work) rather than loaded into memory.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import wrap_file

from server.errors import error_response
from server.storage.base import ObjectNotFound, content_disposition
from server.storage.local import LocalObjectStore, SignedUrlRefused

blp = Blueprint("files", __name__)

# An uploaded file is shown as what it was stored as, never sniffed into HTML, and even then runs no script on
# the API's origin.
_SAFETY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
}


def _not_found() -> Response:
    return error_response(404, "not_found", "文件不存在或已被删除")


@blp.get("/files/<path:key>")
def fetch(key: str) -> Response:
    store = current_app.extensions["gridpatrol.store"]
    if not isinstance(store, LocalObjectStore):
        return _not_found()
    now = store.clock()  # the clock that dated the URL also judges it
    exp = request.args.get("exp", "")
    download_name = request.args.get("name")
    try:
        store.verify_signature(key, exp, request.args.get("sig", ""), now, download_name=download_name)
    except SignedUrlRefused as refused:
        return error_response(403, refused.code, refused.message)
    try:
        handle, info = store.open_file(key)
    except ObjectNotFound:
        return _not_found()

    response = Response(wrap_file(request.environ, handle), content_type=info.content_type,
                        direct_passthrough=True)
    response.content_length = info.size
    response.last_modified = info.last_modified
    if info.etag:
        response.set_etag(info.etag)
    # a browser may keep it until the URL expires, a shared cache never (the URL is a capability)
    response.headers["Cache-Control"] = f"private, max-age={int(exp) - int(now.timestamp())}"
    response.headers.update(_SAFETY_HEADERS)
    if download_name is not None:
        response.headers["Content-Disposition"] = content_disposition(download_name)
    try:
        return response.make_conditional(request, accept_ranges=True, complete_length=info.size)  # type: ignore[return-value]  # werkzeug types it as its base class
    except RequestedRangeNotSatisfiable:
        handle.close()
        raise
