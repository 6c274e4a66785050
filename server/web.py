"""Per-request plumbing: one database session per request committed in one place, the clock, the store,
request ids and JSON access logs."""
from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter, Map

from server.common.schemas import ID_MAX
from server.config import Config
from server.db import AuditContext, audit_context, set_context
from server.errors import ApiError

log = logging.getLogger("gridpatrol.request")


def app_config() -> Config:
    return current_app.extensions["gridpatrol.config"]


def clock_now() -> datetime:
    return current_app.extensions["gridpatrol.clock"]()


def store() -> Any:
    return current_app.extensions["gridpatrol.store"]


def db() -> Session:
    session = g.get("db_session")
    if session is None:
        session = current_app.extensions["gridpatrol.sessionmaker"]()
        g.db_session = session
        set_context(session, AuditContext(None, "anonymous", client_ip(), g.get("request_id")))
    return session


def act_as(actor_id: int | None, name: str) -> None:
    """Who the audit log names for the rest of this request; the request's address and id stay with it (no
    address for the public: ``public_request``)."""
    ip = None if g.get("conceal_ip") else audit_context(db()).ip
    set_context(db(), AuditContext(actor_id, name, ip, g.get("request_id")))


def public_request() -> None:
    """The requester is the public (a tipster): their IP address is written neither in the audit log nor in the
    request log (举报人保密); the rate limits keep it in memory for their window only."""
    g.conceal_ip = True
    act_as(None, "public")


def limit_body(limit: int, message: str) -> None:
    """413 ``payload_too_large`` from the Content-Length alone, before the body is read; without a length
    (chunked), werkzeug stops reading at the same limit."""
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "payload_too_large", message, {"max_bytes": limit})
    request.max_content_length = min(limit, request.max_content_length or limit)


def client_ip() -> str | None:
    if not has_request_context():
        return None
    # behind the production reverse proxy, ProxyFix (enabled by config) has already set remote_addr
    return request.remote_addr


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: an id beyond the id columns names nothing, so it is a 404 like any unknown
    path, decided before the database is asked (which would fail on it)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


_PARSED_WHOLE = ("application/json", "application/x-www-form-urlencoded")


def _limit_parsed_body() -> None:
    """JSON and form bodies are parsed whole into memory (and a parsed 24 MB JSON document keeps a worker 300 MB
    bigger): they get the small limit ``GRIDPATROL_MAX_JSON_BYTES``.  Multipart uploads and byte streams keep
    MAX_CONTENT_LENGTH and their endpoints' own limits."""
    mimetype = request.mimetype
    if mimetype not in _PARSED_WHOLE and not mimetype.endswith("+json"):
        return
    limit = app_config().max_json_bytes
    limit_body(limit, f"请求体过大 (JSON 最大 {limit // 1024} KB)")


def install(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
        g.started = time.perf_counter()
        _limit_parsed_body()

    @app.after_request
    def _finish(response: Response) -> Response:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            try:
                if response.status_code < 400 or g.pop("commit_despite_error", False):
                    session.commit()
                else:
                    session.rollback()
            finally:
                session.close()
        response.headers["X-Request-Id"] = g.get("request_id", "")
        elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info("request", extra={
            "request_id": g.get("request_id"), "method": request.method, "path": request.path,
            "status": response.status_code, "ms": round(elapsed_ms, 1),
            "user_id": g.actor.user_id if g.get("actor") else None,
            "ip": None if g.get("conceal_ip") else client_ip(),  # a tipster's address is not logged (举报人保密)
        })
        return response

    @app.teardown_request
    def _teardown(_exc: BaseException | None) -> None:
        # reached with a session still open only when the view raised past every handler
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def configure_logging(level: str) -> None:
    from pythonjsonlogger.json import JsonFormatter

    root = logging.getLogger()
    if any(getattr(h, "_gridpatrol", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                       rename_fields={"asctime": "time", "levelname": "level"}))
    handler._gridpatrol = True  # type: ignore[attr-defined]  # marks our handler, installed once
    root.addHandler(handler)
    root.setLevel(level)
