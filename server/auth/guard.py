"""The request side of authorization: bearer token → user → :class:`Actor`, checked once per request."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, TypeVar, cast

from flask import g, request
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict

from server.auth import links, tokens
from server.auth.models import User, UserArea
from server.auth.scope import Actor
from server.common.fields import INT_MAX
from server.errors import ApiError
from server.org.models import Area
from server.web import act_as, app_config, clock_now, db

F = TypeVar("F", bound=Callable[..., Any])


def _user_id() -> int:
    header = request.headers.get("Authorization", "")
    if not header and request.method == "GET" and links.is_signed(request.args):
        # a signed link (a printable page or an export opened in a browser): exactly this URL, as its user
        user_id = links.verify(app_config(), request.path, request.args.items(multi=True), clock_now())
        # the view's query schema sees the query the link was made for, not the signature's parameters
        request.args = ImmutableMultiDict(
            [(k, v) for k, v in request.args.items(multi=True) if k not in links.PARAMS])
        return user_id
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise tokens.unauthorized("unauthorized", "请先登录")
    claims = tokens.decode_access_token(app_config(), token.strip(), clock_now())
    try:
        return int(claims["sub"])
    except (TypeError, ValueError):
        raise tokens.unauthorized("token_invalid", "访问令牌无效")


def _authenticate() -> Actor:
    user_id = _user_id()
    if not 1 <= user_id <= INT_MAX:  # names no user, and would fail in the driver rather than find none
        raise tokens.unauthorized("token_invalid", "访问令牌无效")
    # one round trip for the user and their scope, as plain columns: this runs on every request, and building the
    # user and their areas (with their parents' boundaries) as ORM objects cost more than the rest of a clock-in
    rows = db().execute(select(User.username, User.display_name, User.role, User.active, Area.id, Area.path)
                        .outerjoin(UserArea, UserArea.user_id == User.id).outerjoin(Area, Area.id == UserArea.area_id)
                        .where(User.id == user_id).order_by(Area.id)).all()
    if not rows or not rows[0].active:
        raise tokens.unauthorized("token_invalid", "账号不存在或已停用")
    first = rows[0]
    areas = [(r.id, r.path) for r in rows if r.id is not None]
    return Actor(user_id=user_id, username=first.username, display_name=first.display_name, role=first.role,
                 area_ids=tuple(a[0] for a in areas), area_paths=tuple(a[1] for a in areas))


def login_required(permission: str | None = None) -> Callable[[F], F]:
    """Authenticate, then check the role may do ``permission``; area scope is checked where the object is loaded."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = _authenticate()
            if permission is not None:
                actor.require(permission)
            g.actor = actor
            act_as(actor.user_id, actor.username)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def optional_actor() -> Actor | None:
    """The actor when the request carries a token (which must then be valid), else None: for the few endpoints
    the public may use too (tip-off photos)."""
    if not request.headers.get("Authorization"):
        return None
    actor = _authenticate()
    g.actor = actor
    act_as(actor.user_id, actor.username)
    return actor


def current_actor() -> Actor:
    actor = g.get("actor")
    if actor is None:
        raise ApiError(401, "unauthorized")
    return actor
