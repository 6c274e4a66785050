"""Users, their area scope, refresh-token families and WeChat binding codes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, utcnow
from server.org.models import Area

ROLES = ("member", "township_admin", "county_admin", "inspector")
ROLE_LABELS = {"member": "网格员", "township_admin": "乡镇(街道)管理员", "county_admin": "县级管理员",
               "inspector": "执法人员"}


class User(Base):
    """A person who logs in: grid member (网格员), township or county admin, or inspector (执法人员)."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('member','township_admin','county_admin','inspector')", name="role"),)
    __audited__ = True
    __audit_private__ = ("password_hash", "phone", "wechat_openid", "failed_logins", "locked_until")

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wechat_openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    areas: Mapped[list[Area]] = relationship(secondary="user_areas", lazy="selectin", order_by=Area.id)

    def audit_area_id(self) -> int | None:
        return self.areas[0].id if self.areas else None


class UserArea(Base):
    """The areas a user's scope covers: a member's grids, an admin's township or county."""

    __tablename__ = "user_areas"
    __table_args__ = (Index("ix_user_areas_area_id", "area_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), primary_key=True)


class RefreshToken(Base):
    """One refresh token of a family; a family is one login.  Only the SHA-256 of the token is stored.

    Rotation marks the used token ``rotated_at``; presenting a rotated token again means it was stolen, and the
    whole family is revoked.
    """

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family", "family_id"), Index("ix_refresh_tokens_user", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    family_id: Mapped[str] = mapped_column(String(36))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BindingCode(Base):
    """A one-time code a township admin gives a member to bind their WeChat account (绑定码)."""

    __tablename__ = "binding_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class LoginTicket(Base):
    """A one-time, short-lived ticket (登录票据) that hands a login to a page opened without headers: the
    mini-program's web-view gets it in the URL fragment and exchanges it for a token pair.  Only its SHA-256 is
    stored."""

    __tablename__ = "login_tickets"
    __table_args__ = (Index("ix_login_tickets_user", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ticket_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(Base):
    """Failed password logins of one username from one client (登录失败限制).  The key is a hash of both, so
    guessed usernames are not stored; a lock here stops that client only, never the account's owner elsewhere."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
