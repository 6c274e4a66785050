"""What the account and login endpoints take in and give out (never a password hash)."""
from __future__ import annotations

from urllib.parse import urlsplit

import marshmallow as ma

from server.auth.models import ROLE_LABELS, ROLES
from server.common.fields import mask_phone
from server.common.schemas import In, Int, Out, QueryInt
from server.org.schemas import AreaBrief


class LoginIn(In):
    username = ma.fields.String(required=True, validate=ma.validate.Length(1, 64))
    password = ma.fields.String(required=True, validate=ma.validate.Length(1, 256))


class RefreshIn(In):
    refresh_token = ma.fields.String(required=True, validate=ma.validate.Length(1, 256))


class LogoutIn(In):
    refresh_token = ma.fields.String(validate=ma.validate.Length(1, 256),
                                     metadata={"description": "omit to log out every device"})


class WeChatLoginIn(In):
    code = ma.fields.String(required=True, validate=ma.validate.Length(1, 128),
                            metadata={"description": "from wx.login()"})
    binding_code = ma.fields.String(validate=ma.validate.Length(4, 16),
                                    metadata={"description": "one-time code from the township admin, first login"})


class TokenPairOut(Out):
    access_token = ma.fields.String()
    refresh_token = ma.fields.String()
    expires_in = ma.fields.Integer(metadata={"description": "seconds until the access token expires"})
    token_type = ma.fields.String()


class MeOut(Out):
    id = ma.fields.Integer()
    username = ma.fields.String()
    display_name = ma.fields.String()
    role = ma.fields.String()
    role_label = ma.fields.Function(lambda u: ROLE_LABELS[u.role])
    phone = ma.fields.String(allow_none=True)
    areas = ma.fields.List(ma.fields.Nested(AreaBrief))
    wechat_bound = ma.fields.Function(lambda u: bool(u.wechat_openid))


class UserOut(Out):
    id = ma.fields.Integer()
    username = ma.fields.String()
    display_name = ma.fields.String()
    role = ma.fields.String()
    role_label = ma.fields.Function(lambda u: ROLE_LABELS[u.role])
    phone = ma.fields.Function(lambda u: mask_phone(u.phone), allow_none=True)
    active = ma.fields.Boolean()
    locked_until = ma.fields.DateTime(allow_none=True)
    areas = ma.fields.List(ma.fields.Nested(AreaBrief))
    wechat_bound = ma.fields.Function(lambda u: bool(u.wechat_openid))


class _UserFields(In):
    display_name = ma.fields.String(validate=ma.validate.Length(1, 64))
    role = ma.fields.String(validate=ma.validate.OneOf(ROLES))
    area_ids = ma.fields.List(Int(), validate=ma.validate.Length(1, 50))
    password = ma.fields.String(validate=ma.validate.Length(10, 256))
    phone = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=32))


class UserCreate(_UserFields):
    username = ma.fields.String(required=True, validate=[ma.validate.Length(3, 64),
                                                         ma.validate.Regexp(r"^[A-Za-z0-9_.-]+$")])
    display_name = ma.fields.String(required=True, validate=ma.validate.Length(1, 64))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
    area_ids = ma.fields.List(Int(), required=True, validate=ma.validate.Length(1, 50))


class UserUpdate(_UserFields):
    active = ma.fields.Boolean()
    unlock = ma.fields.Boolean(metadata={"description": "clear a login lockout"})
    unbind_wechat = ma.fields.Boolean()


class UserQuery(In):
    role = ma.fields.String(validate=ma.validate.OneOf(ROLES))
    area_id = QueryInt()
    q = ma.fields.String(validate=ma.validate.Length(1, 64))


class BindingCodeOut(Out):
    code = ma.fields.String(metadata={"description": "tell the member; valid once, until expires_at"})
    expires_at = ma.fields.DateTime()
    qr_png = ma.fields.String(metadata={"description": "data:image/png;base64 QR code of the code, for the "
                                                      "mini-program's login page to scan"})


class TicketOut(Out):
    ticket = ma.fields.String(metadata={"description": "one-time; put it in the web-view URL's fragment (#ticket=…)"})
    expires_at = ma.fields.DateTime()
    expires_in = ma.fields.Integer(metadata={"description": "seconds until the ticket expires"})


class TicketIn(In):
    ticket = ma.fields.String(required=True, validate=ma.validate.Length(1, 256))


class LinkIn(In):
    path = ma.fields.String(required=True, validate=ma.validate.Length(1, 2000), metadata={
        "description": "the document's path with its query, e.g. /api/v1/hazards/12/order.html or "
                       "/api/v1/hazards/export.xlsx?status=ordered"})


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


class LinkOut(Out):
    url = ma.fields.String(metadata={"description": "opens without a Bearer header until expires_at, as the "
                                                    "asking user (their permissions and scope apply)"})
    path = ma.fields.Function(lambda link: _path_of(link["url"]), metadata={
        "description": "the same link without scheme and host, for a page served by this app (the public URL "
                       "configured may not be the address a phone reaches the app by)"})
    expires_at = ma.fields.DateTime()
