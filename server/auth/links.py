"""Signed links (签名链接): a short-lived URL that opens one document (the printable order, an XLSX export, a
poster) in a browser, which cannot send a Bearer header from a link or a download.

``POST /api/v1/links {path}`` signs, for the asking user, exactly that path and query with an expiry; the guard
accepts the signature instead of a token for a GET of exactly that URL, as that user, and every permission and
scope check then runs as usual: a link never grants more than its user has, and stops working when they lose it.
Only documents may be linked (paths ending in .html, .xlsx, .png under /api/v1/), so a link that leaks into a
browser history or a proxy log reveals one document for a few minutes, not the API.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from server.config import Config
from server.errors import ApiError, invalid

USER, EXPIRES, SIGNATURE = "link_uid", "link_exp", "link_sig"
PARAMS = (USER, EXPIRES, SIGNATURE)
DOCUMENT_SUFFIXES = (".html", ".xlsx", ".png")
PREFIX = "/api/v1/"


def _key(config: Config) -> bytes:
    # domain-separated, so that a signature made for a local-store file URL can never pass as a link
    return hashlib.sha256(b"gridpatrol-link\n" + (config.link_signing_key or config.url_signing_key).encode()).digest()


def _canonical(path: str, query: Iterable[tuple[str, str]]) -> str:
    pairs = sorted((k, v) for k, v in query if k not in PARAMS)
    return f"{unquote(path)}?{urlencode(pairs)}"


def _signature(config: Config, user_id: int, exp: int, path: str, query: Iterable[tuple[str, str]]) -> str:
    message = f"{user_id}\n{exp}\n{_canonical(path, query)}"
    return hmac.new(_key(config), message.encode(), hashlib.sha256).hexdigest()


def sign(config: Config, user_id: int, target: str, now: datetime) -> tuple[str, datetime]:
    """(url, expires_at): ``target`` (a path with its query) with the link parameters appended."""
    parts = urlsplit(target)
    path = parts.path
    if (parts.scheme or parts.netloc or parts.fragment or not path.startswith(PREFIX) or "//" in path
            or "/../" in path or not path.endswith(DOCUMENT_SUFFIXES)):
        raise invalid("path", f"只能为 {PREFIX} 下的文档 (.html、.xlsx、.png) 生成链接", code="link_path_not_allowed")
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(k in PARAMS for k, _ in query):
        raise invalid("path", "路径中不能包含链接签名参数", code="link_path_not_allowed")
    expires = now + timedelta(seconds=config.link_seconds)
    exp = int(expires.timestamp())
    signed = [*query, (USER, str(user_id)), (EXPIRES, str(exp)),
              (SIGNATURE, _signature(config, user_id, exp, path, query))]
    return f"{config.public_url.rstrip('/')}{path}?{urlencode(signed)}", expires


def verify(config: Config, path: str, query: Iterable[tuple[str, str]], now: datetime) -> int:
    """The user a link was signed for, if it is this path and query, unaltered and not expired; else 403."""
    pairs = list(query)
    given = {k: v for k, v in pairs if k in PARAMS}
    user, exp = given.get(USER, ""), given.get(EXPIRES, "")
    if not (user.isdigit() and exp.isdigit() and len(user) <= 10 and len(exp) <= 12):
        raise ApiError(403, "link_signature_invalid")
    expected = _signature(config, int(user), int(exp), path, pairs)
    if not hmac.compare_digest(expected, given.get(SIGNATURE, "")):
        raise ApiError(403, "link_signature_invalid")
    if int(exp) <= int(now.timestamp()):
        raise ApiError(403, "link_expired")
    return int(user)


def is_signed(query: Iterable[str]) -> bool:
    return SIGNATURE in query
