"""Access tokens (JWT, HS256 pinned, key id for rotation) and opaque refresh tokens (stored as SHA-256)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

import jwt

from server.config import Config
from server.errors import ApiError

ALGORITHM = "HS256"


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": 'Bearer realm="gridpatrol"'})


def issue_access_token(config: Config, user_id: int, role: str, now: datetime) -> str:
    kid, secret = config.jwt_keyring[0]
    claims = {
        "sub": str(user_id),
        "role": role,
        "iss": config.jwt_issuer,
        "aud": config.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=config.access_token_seconds)).timestamp()),
        "typ": "access",
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM, headers={"kid": kid})


def decode_access_token(config: Config, token: str, now: datetime) -> dict[str, Any]:
    """Verified claims, or 401.  The algorithm is pinned, so ``alg=none`` and RS/HS confusion are refused."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise _unauthorized("token_invalid", "访问令牌无效")
    keys = dict(config.jwt_keyring)
    secret = keys.get(header.get("kid", ""))
    if secret is None or header.get("alg") != ALGORITHM:
        raise _unauthorized("token_invalid", "访问令牌无效")
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], audience=config.jwt_audience, issuer=config.jwt_issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"], "verify_exp": False, "verify_iat": False,
                     "verify_nbf": False},
        )
    except jwt.PyJWTError:
        raise _unauthorized("token_invalid", "访问令牌无效")
    # time claims against the app's clock, so tests pass a clock instead of sleeping
    if int(claims["iat"]) > int(now.timestamp()) + 60:
        raise _unauthorized("token_invalid", "访问令牌无效")
    if int(claims["exp"]) <= int(now.timestamp()):
        raise _unauthorized("token_expired", "访问令牌已过期, 请刷新")
    if claims.get("typ") != "access":
        raise _unauthorized("token_invalid", "访问令牌无效")
    return claims


def new_opaque_token(nbytes: int = 32) -> tuple[str, str]:
    """(token, sha256 hex): only the hash is stored."""
    token = secrets.token_urlsafe(nbytes)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


unauthorized = _unauthorized
