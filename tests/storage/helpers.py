"""Plain helpers of the storage tests (fixtures live in conftest.py)."""
from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Callable
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class S3Settings:
    endpoint: str
    access_key: str
    secret_key: str


@dataclass(frozen=True)
class Fetched:
    status: int
    body: bytes
    headers: dict[str, str]  # lower-case names


Fetch = Callable[..., Fetched]


def http_get(url: str, headers: dict[str, str] | None = None) -> Fetched:
    """GET a URL as a phone would, without credentials; HTTP errors are answers, not exceptions."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as resp:
            return Fetched(resp.status, resp.read(), {k.lower(): v for k, v in resp.headers.items()})
    except urllib.error.HTTPError as exc:
        with exc:
            return Fetched(exc.code, exc.read(), {k.lower(): v for k, v in exc.headers.items()})


def tampered(url: str) -> str:
    """The URL with one character of its signature changed."""
    params = parse_qs(urlsplit(url).query)
    sig = (params.get("X-Amz-Signature") or params["sig"])[0]
    return url.replace(sig, ("0" if sig[0] != "0" else "1") + sig[1:])
