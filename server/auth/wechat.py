"""The WeChat mini-program code2Session call (登录凭证校验), over real HTTP at a configurable base URL."""
from __future__ import annotations

from dataclasses import dataclass

import httpx

from server.config import Config
from server.errors import ApiError


@dataclass(frozen=True)
class WeChatSession:
    openid: str
    unionid: str | None


def code2session(config: Config, code: str, *, timeout: float = 5.0) -> WeChatSession:
    """Exchange a ``wx.login`` code for the user's openid.  The session_key is not kept: nothing here decrypts
    WeChat user data, and a stored key would only be a liability."""
    if not config.wechat_app_id or not config.wechat_app_secret:
        raise ApiError(503, "wechat_not_configured")
    try:
        resp = httpx.get(
            config.wechat_api_base.rstrip("/") + "/sns/jscode2session",
            params={"appid": config.wechat_app_id, "secret": config.wechat_app_secret, "js_code": code,
                    "grant_type": "authorization_code"},
            timeout=timeout,
        )
        data = resp.json()
    except (httpx.HTTPError, ValueError):
        raise ApiError(503, "wechat_unavailable", headers={"Retry-After": "5"})
    if data.get("errcode") or not data.get("openid"):
        # 40029 invalid code, 40163 code already used, 45011 rate limited — all mean "log in again" to the phone
        raise ApiError(401, "wechat_code_invalid", detail={"errcode": data.get("errcode")})
    return WeChatSession(openid=str(data["openid"]), unionid=data.get("unionid"))
