"""CORS for the public endpoints only (tip-offs, their photos, tracking, Open311), for the origins configured in
``GRIDPATROL_CORS_ORIGINS`` (comma-separated, or ``*``; empty: off, the default).

A page of another site (a county portal embedding the report form) may submit and track tip-offs; it gets no
credentials (no cookies, and ``Authorization`` is not an allowed header), so nothing that needs a login is ever
reachable cross-origin.  Which endpoint is public is listed here by URL rule and method, not guessed from paths.
"""
from __future__ import annotations

from flask import Flask, Response, request

from server.web import app_config

# (URL rule, methods) of the endpoints the public uses without a login
PUBLIC: dict[str, frozenset[str]] = {
    "/api/v1/tipoffs": frozenset({"POST"}),
    "/api/v1/tipoffs/categories": frozenset({"GET"}),
    "/api/v1/tipoffs/track/<code>": frozenset({"GET"}),
    "/api/v1/photos": frozenset({"POST"}),
    "/api/v1/uploads": frozenset({"POST", "OPTIONS"}),
    "/api/v1/uploads/<token>": frozenset({"HEAD", "PATCH", "GET", "DELETE"}),
    "/open311/v2/services.json": frozenset({"GET"}),
    "/open311/v2/requests.json": frozenset({"GET", "POST"}),
    "/open311/v2/requests/<service_request_id>.json": frozenset({"GET"}),
}
ALLOW_HEADERS = "Content-Type, X-Request-Id, Tus-Resumable, Upload-Length, Upload-Metadata, Upload-Offset"
EXPOSE_HEADERS = ("Location, Retry-After, X-Request-Id, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, "
                  "Upload-Offset, Upload-Length, Upload-Expires, Upload-Photo-Id")
MAX_AGE = "600"


def allowed_origins(setting: str) -> frozenset[str]:
    return frozenset(o.strip().rstrip("/") for o in setting.split(",") if o.strip())


def _add_headers(response: Response) -> Response:
    origins = allowed_origins(app_config().cors_origins)
    origin = request.headers.get("Origin")
    rule = request.url_rule.rule if request.url_rule is not None else None
    if not origins or not origin or rule not in PUBLIC:
        return response
    response.vary.add("Origin")  # the answer depends on the Origin: no shared cache may mix them up
    if "*" not in origins and origin not in origins:
        return response
    preflight = request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
    method = request.headers.get("Access-Control-Request-Method", "") if preflight else request.method
    if method not in PUBLIC[rule]:
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    if preflight:
        response.headers["Access-Control-Allow-Methods"] = ", ".join(sorted(PUBLIC[rule]))
        response.headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = MAX_AGE
    else:
        response.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
    return response


def install(app: Flask) -> None:
    app.after_request(_add_headers)
