"""Authentication and user management: passwords, token pairs, refresh rotation, WeChat binding, users."""
from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, case, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth import tokens
from server.auth.models import BindingCode, LoginThrottle, RefreshToken, User, UserArea
from server.auth.scope import GRANTABLE_ROLES, Actor
from server.auth.wechat import code2session
from server.common.fields import FieldProblem, clean_phone
from server.config import Config
from server.errors import ApiError, conflict, forbidden, invalid, not_found
from server.org.models import Area

_hasher = PasswordHasher()
# verifying against this keeps "unknown user" as slow as "wrong password", so timing does not reveal usernames
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))

MEMBER_AREA_LEVEL = "grid"
ADMIN_AREA_LEVEL = {"township_admin": ("township",), "county_admin": ("county",),
                    "inspector": ("county", "township")}
BINDING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O/1/I: read over the phone


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"


def _issue_pair(session: Session, config: Config, user: User, now: datetime, family_id: str | None = None) -> TokenPair:
    refresh, refresh_hash = tokens.new_opaque_token()
    session.add(RefreshToken(
        user_id=user.id, family_id=family_id or str(uuid.uuid4()), token_hash=refresh_hash, issued_at=now,
        expires_at=now + timedelta(days=config.refresh_token_days),
    ))
    return TokenPair(tokens.issue_access_token(config, user.id, user.role, now), refresh, config.access_token_seconds)


def _bad_credentials() -> ApiError:
    return ApiError(401, "invalid_credentials", persist=True)


def _throttle_key(username: str, client: str | None) -> str:
    return hashlib.sha256(f"{username.strip().lower()}\x00{client or '-'}".encode()).hexdigest()


def _locked(config: Config, until: datetime) -> ApiError:
    # the same answer whether or not the username exists
    return ApiError(403, "account_locked", f"登录失败次数过多, 请 {config.login_lockout_minutes} 分钟后再试",
                    {"locked_until": until.isoformat()})


def _count_failure(session: Session, config: Config, key: str, now: datetime) -> datetime | None:
    """One more failure for ``key``, settled in the database (concurrent failures from several workers all
    count); the lock's end once this one reaches the limit."""
    window_start = now - timedelta(minutes=config.login_lockout_minutes)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stale = LoginThrottle.window_started_at < window_start
    upsert = insert(LoginThrottle).values(key=key, failures=1, window_started_at=now).on_conflict_do_update(
        index_elements=[LoginThrottle.key], set_={
            "failures": case((stale, 1), else_=LoginThrottle.failures + 1),
            "window_started_at": case((stale, now), else_=LoginThrottle.window_started_at),
        })
    failures = session.execute(upsert.returning(LoginThrottle.failures)).scalar_one()
    if failures < config.login_max_failures:
        return None
    until = now + timedelta(minutes=config.login_lockout_minutes)
    session.execute(update(LoginThrottle).where(LoginThrottle.key == key)
                    .values(failures=0, window_started_at=now, locked_until=until))
    return until


def login(session: Session, config: Config, username: str, password: str, now: datetime,
          client: str | None = None) -> TokenPair:
    """Password login.  Failures are counted per username *and client* (``client``: the IP): five in a row lock
    that pair for ``login_lockout_minutes``, so a guesser locks out itself, not the owner on their own phone; an
    unknown username counts and answers exactly like a known one, so the answers tell nothing about who exists."""
    key = _throttle_key(username, client)
    throttle = session.get(LoginThrottle, key)
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        raise _locked(config, throttle.locked_until)
    user = session.scalar(select(User).where(User.username == username))
    verified = False
    try:
        verified = _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        pass
    if user is None or not user.password_hash or not verified:
        until = _count_failure(session, config, key, now)
        summary: dict[str, Any] = {"username": username[:64]} if user is None else {}
        if until is not None:
            summary["locked_until"] = until
        audit.record(session, "auth.login_failed", "users", user.id if user else None,
                     area_id=user.audit_area_id() if user else None, summary=summary)
        raise _bad_credentials()  # the lock, if this failure set one, answers from the next attempt on
    if not user.active:  # said only to whoever knows the password
        raise ApiError(403, "account_disabled")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if throttle is not None:
        session.delete(throttle)
    audit.record(session, "auth.login", "users", user.id, area_id=user.audit_area_id(), summary={"method": "password"})
    return _issue_pair(session, config, user, now)


def refresh(session: Session, config: Config, refresh_token: str, now: datetime) -> TokenPair:
    """Rotate: the presented token is spent and a new one of the same family is issued.  A spent token presented
    again means two parties hold it; the whole family is revoked so that the thief's copy dies too."""
    invalid_token = ApiError(401, "refresh_invalid", persist=True)
    row = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == tokens.hash_token(refresh_token)).with_for_update())
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise invalid_token
    if row.rotated_at is not None:
        revoke_family(session, row.family_id, now)
        audit.record(session, "auth.refresh_reused", "users", row.user_id, summary={"family": row.family_id})
        raise ApiError(401, "refresh_reused", persist=True)
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise invalid_token
    # the conditional UPDATE makes two concurrent refreshes of one token agree: only one sees rowcount 1
    spent = session.execute(
        update(RefreshToken).where(RefreshToken.id == row.id, RefreshToken.rotated_at.is_(None))
        .values(rotated_at=now).execution_options(synchronize_session=False))
    if spent.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's CursorResult
        raise invalid_token
    return _issue_pair(session, config, user, now, family_id=row.family_id)


def revoke_family(session: Session, family_id: str, now: datetime) -> None:
    session.execute(update(RefreshToken).where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=now).execution_options(synchronize_session=False))


def logout(session: Session, actor: Actor, refresh_token: str | None, now: datetime) -> None:
    """Revoke the login the refresh token belongs to, or every login of the user when none is given."""
    if refresh_token:
        row = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == tokens.hash_token(refresh_token)))
        if row is not None and row.user_id == actor.user_id:
            revoke_family(session, row.family_id, now)
    else:
        session.execute(update(RefreshToken).where(RefreshToken.user_id == actor.user_id,
                                                   RefreshToken.revoked_at.is_(None))
                        .values(revoked_at=now).execution_options(synchronize_session=False))
    audit.record(session, "auth.logout", "users", actor.user_id,
                 area_id=actor.area_ids[0] if actor.area_ids else None)


def wechat_login(session: Session, config: Config, code: str, binding_code: str | None, now: datetime) -> TokenPair:
    wx = code2session(config, code)
    user = session.scalar(select(User).where(User.wechat_openid == wx.openid))
    if user is None:
        if not binding_code:
            raise ApiError(403, "wechat_not_bound")
        user = _redeem_binding_code(session, binding_code, wx.openid, now)
    if not user.active:
        raise ApiError(403, "account_disabled")
    audit.record(session, "auth.login", "users", user.id, area_id=user.audit_area_id(), summary={"method": "wechat"})
    return _issue_pair(session, config, user, now)


def _redeem_binding_code(session: Session, code: str, openid: str, now: datetime) -> User:
    row = session.scalar(select(BindingCode).where(BindingCode.code_hash == tokens.hash_token(_normalize_code(code)))
                         .with_for_update())
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise ApiError(403, "binding_code_invalid", persist=False)
    user = row.user
    if user.wechat_openid and user.wechat_openid != openid:
        raise conflict("wechat_already_bound")
    row.used_at = now
    user.wechat_openid = openid
    try:
        session.flush()
    except IntegrityError:
        raise conflict("wechat_already_bound", "该微信已绑定其他账号")
    return user


def _normalize_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


def issue_binding_code(session: Session, config: Config, actor: Actor, user_id: int, now: datetime) -> tuple[str, datetime]:
    user = _get_user_to_change(session, actor, user_id)
    # codes issued at once for one user queue on the user's row, so the last one issued is the only one left valid
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    code = "".join(secrets.choice(BINDING_ALPHABET) for _ in range(8))
    expires = now + timedelta(hours=config.wechat_binding_code_hours)
    # a new code replaces any earlier unused one
    session.execute(update(BindingCode).where(BindingCode.user_id == user.id, BindingCode.used_at.is_(None))
                    .values(used_at=now).execution_options(synchronize_session=False))
    session.add(BindingCode(user_id=user.id, code_hash=tokens.hash_token(code), issued_by_id=actor.user_id or None,
                            expires_at=expires))
    audit.record(session, "users.binding_code_issued", "users", user.id, area_id=user.audit_area_id(),
                 summary={"expires_at": expires})
    return f"{code[:4]}-{code[4:]}", expires


def load_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


# --- users -------------------------------------------------------------------------------------------------------

def _user_in_scope(actor: Actor, user: User) -> bool:
    return bool(user.areas) and all(actor.covers(a.path) for a in user.areas)


def users_query(actor: Actor, *, role: str | None = None, area_id: int | None = None,
                q: str | None = None) -> Select[User]:
    # the same rule as get_user: listed only when every area of the user is in scope
    outside = select(UserArea.user_id).join(Area, Area.id == UserArea.area_id).where(~actor.area_clause(Area.path))
    stmt = select(User).where(User.id.in_(select(UserArea.user_id)), User.id.not_in(outside))
    if role:
        stmt = stmt.where(User.role == role)
    if area_id is not None:
        stmt = stmt.where(User.id.in_(select(User.id).join(User.areas).where(Area.id == area_id)))
    if q:
        stmt = stmt.where(User.username.contains(q, autoescape=True) | User.display_name.contains(q, autoescape=True))
    return stmt.order_by(User.id)


def get_user(session: Session, actor: Actor, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not _user_in_scope(actor, user):
        raise not_found("用户")
    return user


def _check_role_and_areas(session: Session, actor: Actor, role: str, area_ids: Iterable[int]) -> list[Area]:
    if role not in GRANTABLE_ROLES.get(actor.role, frozenset()):
        raise forbidden("无权授予该角色")
    ids = list(dict.fromkeys(area_ids))
    if not ids:
        raise invalid("area_ids", "至少需要一个辖区")
    areas = list(session.scalars(select(Area).where(Area.id.in_(ids))))
    found = {a.id: a for a in areas}
    for area_id in ids:
        if area_id not in found or not actor.covers(found[area_id].path):
            raise invalid("area_ids", f"辖区 {area_id} 不存在或不在您的管辖范围内")
    allowed = (MEMBER_AREA_LEVEL,) if role == "member" else ADMIN_AREA_LEVEL[role]
    for area in areas:
        if area.level not in allowed:
            raise invalid("area_ids", f"{role} 的辖区必须是 {'/'.join(allowed)} 级")
    if role != "member" and len(areas) != 1:
        raise invalid("area_ids", "管理员只能有一个辖区")
    return [found[i] for i in ids]


def create_user(session: Session, actor: Actor, *, username: str, display_name: str, role: str,
                area_ids: Sequence[int], password: str | None = None, phone: str | None = None) -> User:
    areas = _check_role_and_areas(session, actor, role, area_ids)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise conflict("username_taken")
    user = User(username=username, display_name=display_name, role=role, phone=_phone(phone), areas=areas,
                password_hash=hash_password(password) if password else None)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise conflict("username_taken")
    return user


def _phone(value: str | None) -> str | None:
    try:
        return clean_phone(value, "phone")
    except FieldProblem as problem:
        raise invalid(problem.field, problem.message)


def _get_user_to_change(session: Session, actor: Actor, user_id: int) -> User:
    """A user in scope whose role the actor could have granted: nobody changes a peer or a superior."""
    user = get_user(session, actor, user_id)
    if user.role not in GRANTABLE_ROLES.get(actor.role, frozenset()):
        raise forbidden("无权修改该用户")
    return user


def update_user(session: Session, actor: Actor, user_id: int, changes: dict[str, Any]) -> User:
    user = _get_user_to_change(session, actor, user_id)
    if "role" in changes or "area_ids" in changes:
        role = changes.get("role", user.role)
        area_ids = changes.get("area_ids", [a.id for a in user.areas])
        user.areas = _check_role_and_areas(session, actor, role, area_ids)
        user.role = role
    if "phone" in changes:
        user.phone = _phone(changes["phone"])
    for key in ("display_name", "active"):
        if key in changes:
            setattr(user, key, changes[key])
    if "password" in changes:
        user.password_hash = hash_password(changes["password"])
        user.failed_logins = 0
        user.locked_until = None
    if changes.get("unlock"):
        user.failed_logins = 0
        user.locked_until = None
    if changes.get("unbind_wechat"):
        user.wechat_openid = None
    session.flush()
    return user
