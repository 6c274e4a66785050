"""Configuration, read once from environment variables prefixed ``GRIDPATROL_``.

Every setting has an embedded default so that ``./scripts/serve`` runs with zero setup: an SQLite file and a
local-folder object store under ``./var/``.  Production sets the PostgreSQL URL, the S3 endpoint and real keys.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping

PREFIX = "GRIDPATROL_"
VAR_DIR = Path(os.environ.get(PREFIX + "VAR_DIR", "var")).resolve()


def _dev_secret(name: str, make: Any = None) -> str:
    """A per-checkout secret kept in var/ so that restarts of the dev server keep sessions valid."""
    path = VAR_DIR / f".{name}"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    value = make() if make is not None else secrets.token_urlsafe(32)
    path.write_text(value)
    return value


@dataclass(frozen=True)
class Config:
    # database
    database_url: str = ""
    # object store: "local" (folder under var/) or "s3" (MinIO or any S3 server through the minio SDK)
    store: str = "local"
    store_dir: str = ""
    s3_endpoint: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "gridpatrol"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    # seconds: a store that does not accept the connection / stays silent this long answers 503 (not retried)
    s3_connect_timeout: float = 3.0
    s3_read_timeout: float = 5.0
    # URL under which this app is reachable; signed local-store URLs are built on it
    public_url: str = "http://127.0.0.1:8000"
    # signs local-store URLs (HMAC)
    url_signing_key: str = ""
    # JWT: "kid:secret,kid2:secret2"; the first key signs, all verify (rotation)
    jwt_keys: str = ""
    jwt_issuer: str = "gridpatrol"
    jwt_audience: str = "gridpatrol-api"
    access_token_seconds: int = 900
    refresh_token_days: int = 30
    # lockout after repeated failed logins
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    # WeChat mini-program login (code2Session)
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_binding_code_hours: int = 72
    # flask-limiter storage; memory:// for one process, redis://host:6379 for several app servers
    ratelimit_storage_uri: str = "memory://"
    ratelimit_login: str = "20 per minute"
    ratelimit_public_upload: str = "30 per hour"  # per IP, photo uploads without a login (tip-offs)
    # request bodies above this are refused with 413 before they are read
    max_content_length: int = 25 * 1024 * 1024
    # JSON and form bodies (parsed whole into memory) above this answer 413 unread; multipart keeps the limit above.
    # 1 MiB holds a /sync batch of 100 full visits and a township boundary of ~20,000 vertices
    max_json_bytes: int = 1024 * 1024
    # the five ones
    geofence_tolerance_m: float = 200.0        # a clock-in this close outside the member's grid still counts
    visit_distance_flag_m: float = 300.0       # a visit farther than this from the place is flagged
    device_time_max_behind_hours: int = 48     # offline phones sync late; older device times are flagged
    device_time_max_ahead_minutes: int = 10    # device clocks ahead of the server by more are flagged
    sync_batch_limit: int = 100                # items per POST /api/v1/sync
    # hazards: an order overdue by more than this many days escalates (county list, township bulletin)
    hazard_escalation_days: int = 3
    # photo evidence
    photo_max_bytes: int = 20 * 1024 * 1024    # larger uploads answer 413 before the body is read
    photo_url_minutes: int = 10                # lifetime of display/thumbnail/original URLs
    fraud_phash_distance: int = 6              # pHash bits apart that count as "the same picture"
    fraud_phash_days: int = 90                 # how far back a member's own photos are compared
    fraud_exif_time_minutes: int = 120         # EXIF time this far from the claimed time is flagged
    fraud_exif_distance_m: float = 500.0       # EXIF GPS this far from the claimed location or place is flagged
    evidence_sweep_grace_hours: int = 24       # orphaned objects younger than this are left alone
    upload_expiry_hours: int = 24              # a resumable upload not finished by then is abandoned (swept)
    # web-view tickets and signed links: what a URL may carry instead of a Bearer header
    ticket_seconds: int = 60                   # a one-time login ticket for the mini-program's web-view
    link_seconds: int = 300                    # a signed link to a printable page or an export
    link_signing_key: str = ""                 # HMAC key of signed links
    # CORS for the public tip-off endpoints: "https://portal.example.gov.cn,https://…" or "*"; empty: off
    cors_origins: str = ""
    # tip-offs (举报): Fernet key(s) of the tipster's phone and name ("k1,k2": the first encrypts, all decrypt) and
    # the HMAC key of the tracking-code and phone hashes (keep it: repeat tipsters are counted by it)
    tipoff_phone_key: str = ""
    tipoff_hash_key: str = ""
    ratelimit_tipoff: str = "30 per hour"          # per IP, tip-offs without a login (API and Open311 together)
    ratelimit_tipoff_phone: str = "10 per day"     # per phone number (its keyed hash), accepted tip-offs
    ratelimit_tipoff_track: str = "60 per minute"  # per IP, tracking-code lookups
    # rankings: a JSON calendar of working days (server/ranking/calendar.json describes the format); empty: that one
    ranking_calendar: str = ""
    # background jobs (server/jobs): RQ on this Redis, run by `gridpatrol worker`; empty: a thread of the app process
    jobs_redis_url: str = ""
    jobs_queue: str = "gridpatrol"
    jobs_wait_seconds: float = 2.0     # a job route waits this long, then answers 202 with the job to poll
    jobs_timeout_seconds: int = 3600   # an RQ job running longer is stopped and recorded failed (job_interrupted)
    log_level: str = "INFO"
    # /metrics answers loopback clients, and others presenting "Authorization: Bearer <this>" when it is set
    metrics_token: str = ""
    # request lines and header fields larger than these answer 414 / 431 in the API's error shape
    max_url_bytes: int = 4096
    max_header_bytes: int = 8192
    # behind nginx or another reverse proxy: trust one X-Forwarded-For hop for client IPs
    trust_proxy: bool = False
    testing: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "Config":
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is None:
                continue
            if f.type in ("bool", bool):
                values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
            elif f.type in ("int", int):
                values[f.name] = int(raw)
            elif f.type in ("float", float):
                values[f.name] = float(raw)
            else:
                values[f.name] = raw
        values.update(overrides)
        cfg = cls(**values)
        return cfg.with_defaults()

    def with_defaults(self) -> "Config":
        """Fill the embedded defaults that depend on the filesystem (only when not configured)."""
        changes: dict[str, Any] = {}
        if not self.database_url:
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            changes["database_url"] = f"sqlite:///{VAR_DIR / 'gridpatrol.sqlite3'}"
        if not self.store_dir:
            changes["store_dir"] = str(VAR_DIR / "objects")
        if not self.url_signing_key:
            changes["url_signing_key"] = _dev_secret("url-signing-key")
        if not self.jwt_keys:
            changes["jwt_keys"] = "dev:" + _dev_secret("jwt-key")
        if not self.tipoff_phone_key:
            from cryptography.fernet import Fernet
            changes["tipoff_phone_key"] = _dev_secret("tipoff-phone-key", lambda: Fernet.generate_key().decode())
        if not self.link_signing_key:
            changes["link_signing_key"] = _dev_secret("link-signing-key")
        if not self.tipoff_hash_key:
            changes["tipoff_hash_key"] = _dev_secret("tipoff-hash-key")
        return replace(self, **changes) if changes else self

    @property
    def jwt_keyring(self) -> list[tuple[str, str]]:
        """[(kid, secret), ...]; the first one signs."""
        ring = []
        for part in self.jwt_keys.split(","):
            kid, sep, secret = part.strip().partition(":")
            if not sep or not kid or not secret:
                raise ValueError("GRIDPATROL_JWT_KEYS must look like 'kid:secret[,kid2:secret2]'")
            ring.append((kid, secret))
        return ring
