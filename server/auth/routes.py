"""账号与登录: thin routes for login, tokens, WeChat login, me and users."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from media.qr import qr_data_uri
from server.api import PUBLIC
from server.auth import links, service, tickets
from server.auth.guard import current_actor, login_required
from server.auth.schemas import (
    BindingCodeOut,
    LinkIn,
    LinkOut,
    LoginIn,
    LogoutIn,
    MeOut,
    RefreshIn,
    TicketIn,
    TicketOut,
    TokenPairOut,
    UserCreate,
    UserOut,
    UserQuery,
    UserUpdate,
    WeChatLoginIn,
)
from server.common.schemas import page_of
from server.errors import ErrorOut
from server.ratelimit import limiter
from server.web import app_config, client_ip, clock_now, db

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="登录、令牌与用户")


def _login_limit() -> str:
    return app_config().ratelimit_login


@blp.route("/auth/login", methods=["POST"])
@limiter.limit(_login_limit)
@blp.doc(**PUBLIC)
@blp.arguments(LoginIn)
@blp.response(200, TokenPairOut)
def login(data: dict[str, Any]) -> Any:
    """Password login: a short-lived access token and a rotating refresh token"""
    return service.login(db(), app_config(), data["username"], data["password"], clock_now(), client=client_ip())


@blp.route("/auth/refresh", methods=["POST"])
@limiter.limit(_login_limit)
@blp.doc(**PUBLIC)
@blp.arguments(RefreshIn)
@blp.response(200, TokenPairOut)
def refresh(data: dict[str, Any]) -> Any:
    """Spend a refresh token for a new pair; replaying a spent one revokes the whole login"""
    return service.refresh(db(), app_config(), data["refresh_token"], clock_now())


@blp.route("/auth/logout", methods=["POST"])
@login_required()
@blp.arguments(LogoutIn, required=False)  # no body: every login of the user ends
@blp.response(204)
def logout(data: dict[str, Any]) -> None:
    service.logout(db(), current_actor(), data.get("refresh_token"), clock_now())


@blp.route("/auth/wechat", methods=["POST"])
@limiter.limit(_login_limit)
@blp.doc(**PUBLIC)
@blp.arguments(WeChatLoginIn)
@blp.response(200, TokenPairOut)
def wechat_login(data: dict[str, Any]) -> Any:
    """WeChat mini-program login: wx.login code → code2Session → openid; the first time with a binding code"""
    return service.wechat_login(db(), app_config(), data["code"], data.get("binding_code"), clock_now())


@blp.route("/auth/tickets", methods=["POST"])
@login_required()
@blp.response(201, TicketOut)
def issue_ticket() -> Any:
    """A one-time login ticket (valid about a minute) for a page opened without headers: the mini-program's
    web-view gets it in the URL fragment and exchanges it at POST /auth/ticket"""
    now = clock_now()
    ticket, expires = tickets.issue(db(), app_config(), current_actor(), now)
    return {"ticket": ticket, "expires_at": expires, "expires_in": int((expires - now).total_seconds())}


@blp.route("/auth/ticket", methods=["POST"])
@limiter.limit(_login_limit)
@blp.doc(**PUBLIC)
@blp.arguments(TicketIn)
@blp.response(200, TokenPairOut)
@blp.alt_response(401, schema=ErrorOut, description="ticket_invalid, ticket_used or ticket_expired")
def exchange_ticket(data: dict[str, Any]) -> Any:
    """Spend a one-time ticket for the same token pair a login answers (once; a second use is refused)"""
    return tickets.exchange(db(), app_config(), data["ticket"], clock_now())


@blp.route("/links", methods=["POST"])
@login_required()
@blp.arguments(LinkIn)
@blp.response(201, LinkOut)
@blp.alt_response(422, schema=ErrorOut, description="link_path_not_allowed: only documents (.html, .xlsx, .png)")
def sign_link(data: dict[str, Any]) -> Any:
    """A short-lived signed link to a document (the printable order, an XLSX export, a poster) that a browser opens
    without a Bearer header

    The link is for GET of exactly that path and query, as the asking user; a tampered, expired or other-path link
    answers 403 (link_signature_invalid, link_expired), and the user's scope is checked as for any request."""
    url, expires = links.sign(app_config(), current_actor().user_id, data["path"], clock_now())
    return {"url": url, "expires_at": expires}


@blp.route("/me", methods=["GET"])
@login_required()
@blp.response(200, MeOut)
def me() -> Any:
    return service.load_user(db(), current_actor().user_id)


@blp.route("/users")
class Users(MethodView):
    @login_required("user:read")
    @blp.arguments(UserQuery, location="query")
    @blp.response(200, UserOut(many=True))
    @blp.paginate()
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        return page_of(db(), service.users_query(current_actor(), **args), pagination_parameters)

    @login_required("user:write")
    @blp.arguments(UserCreate)
    @blp.response(201, UserOut)
    def post(self, data: dict[str, Any]) -> Any:
        return service.create_user(db(), current_actor(), **data)


@blp.route("/users/<int:user_id>")
class UserById(MethodView):
    @login_required("user:read")
    @blp.response(200, UserOut)
    def get(self, user_id: int) -> Any:
        return service.get_user(db(), current_actor(), user_id)

    @login_required("user:write")
    @blp.arguments(UserUpdate)
    @blp.response(200, UserOut)
    def patch(self, data: dict[str, Any], user_id: int) -> Any:
        return service.update_user(db(), current_actor(), user_id, data)


@blp.route("/users/<int:user_id>/binding-code", methods=["POST"])
@login_required("user:write")
@blp.response(201, BindingCodeOut)
def binding_code(user_id: int) -> Any:
    """Issue a one-time WeChat binding code for a member (replaces an unused earlier one)"""
    code, expires = service.issue_binding_code(db(), app_config(), current_actor(), user_id, clock_now())
    return {"code": code, "expires_at": expires, "qr_png": qr_data_uri(code)}
