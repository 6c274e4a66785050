"""Prometheus metrics (prometheus_client): requests by endpoint and status with latency, photo uploads and their
bytes, offline-sync items by result, object-store and database errors.

Under gunicorn each worker is its own process: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before start
(``server/gunicorn_conf.py`` clears dead workers' files), and ``/metrics`` then sums every worker.  Without it
(``serve``, tests) the one process's own registry is served.  ``/metrics`` answers loopback clients, or anyone with
``Authorization: Bearer <GRIDPATROL_METRICS_TOKEN>`` when that is set.
"""
from __future__ import annotations

import hmac
import ipaddress
import os
import time
from typing import Any, Iterable

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest

from server.errors import ApiError

REQUESTS = Counter("gridpatrol_http_requests_total", "HTTP requests answered", ["method", "endpoint", "status"])
LATENCY = Histogram("gridpatrol_http_request_duration_seconds", "Time to answer, by endpoint",
                    ["method", "endpoint"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
UPLOADS = Counter("gridpatrol_photo_uploads_total", "Photos stored (new, not retries)", ["purpose"])
UPLOAD_BYTES = Counter("gridpatrol_photo_upload_bytes_total", "Bytes of the originals stored", ["purpose"])
SYNC_ITEMS = Counter("gridpatrol_sync_items_total", "Offline-sync items by result", ["type", "result"])
STORE_ERRORS = Counter("gridpatrol_object_store_errors_total", "Object-store calls that failed", ["kind"])
DB_ERRORS = Counter("gridpatrol_database_errors_total", "Requests that found the database unavailable", ["error"])


def photo_stored(purpose: str, size: int) -> None:
    UPLOADS.labels(purpose).inc()
    UPLOAD_BYTES.labels(purpose).inc(size)


def sync_results(results: Iterable[Any]) -> None:
    for r in results:
        SYNC_ITEMS.labels(_get(r, "type") or "unknown", _get(r, "status") or "unknown").inc()


def store_error(kind: str) -> None:
    STORE_ERRORS.labels(kind).inc()


def database_error(error: BaseException) -> None:
    DB_ERRORS.labels(type(error).__name__).inc()


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def install(app: Flask) -> None:
    """Time every request; the endpoint label is the route's rule (``/api/v1/hazards/<int:hazard_id>``), never the
    raw path, so ids and junk URLs cannot grow the label set."""

    @app.before_request
    def _metrics_start() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _metrics_finish(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        endpoint = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        if started is not None:
            LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - started)
        return response


def _registry() -> Any:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def allowed(token: str, remote_addr: str | None, authorization: str) -> bool:
    if token:
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
    try:
        return remote_addr is not None and ipaddress.ip_address(remote_addr).is_loopback
    except ValueError:
        return False


def exposition(token: str) -> Response:
    if not allowed(token, request.remote_addr, request.headers.get("Authorization", "")):
        raise ApiError(403, "forbidden", "指标仅对本机或持有指标令牌者开放")
    return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)
