"""One-time login tickets (登录票据): how a logged-in mini-program hands its login to the H5 app in a web-view.

The mini-program asks for a ticket with its Bearer token and opens the web-view with the ticket in the URL
fragment (``#ticket=…``: never sent to a server, never in a log); the page exchanges it once for its own token pair
and removes it from the address bar.  Tokens never travel in a URL, and a ticket that leaks (a screenshot, the
browser history) is spent or expired within a minute.  Only the ticket's SHA-256 is stored.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth import tokens
from server.auth.models import LoginTicket, User
from server.auth.scope import Actor
from server.auth.service import TokenPair, _issue_pair
from server.config import Config
from server.errors import ApiError


def issue(session: Session, config: Config, actor: Actor, now: datetime) -> tuple[str, datetime]:
    """A new ticket for the actor's own login, valid ``config.ticket_seconds``."""
    ticket, ticket_hash = tokens.new_opaque_token()
    expires = now + timedelta(seconds=config.ticket_seconds)
    # the user's spent and expired tickets go as new ones come: the table holds about a day of them, with no job
    session.execute(delete(LoginTicket).where(LoginTicket.user_id == actor.user_id,
                                              LoginTicket.expires_at < now - timedelta(days=1)))
    session.add(LoginTicket(user_id=actor.user_id, ticket_hash=ticket_hash, issued_at=now, expires_at=expires))
    return ticket, expires


def exchange(session: Session, config: Config, ticket: str, now: datetime) -> TokenPair:
    """Spend a ticket for a token pair, as a login would answer.  A second use, an expired or an unknown ticket
    answers 401: the page then asks the mini-program for a new one (or shows the login)."""
    row = session.scalar(select(LoginTicket).where(LoginTicket.ticket_hash == tokens.hash_token(ticket)))
    if row is None:
        raise ApiError(401, "ticket_invalid")
    if row.used_at is not None:
        raise ApiError(401, "ticket_used")
    if row.expires_at <= now:
        raise ApiError(401, "ticket_expired")
    # the conditional UPDATE makes two concurrent exchanges of one ticket agree: only one sees rowcount 1
    spent = session.execute(update(LoginTicket).where(LoginTicket.id == row.id, LoginTicket.used_at.is_(None))
                            .values(used_at=now).execution_options(synchronize_session=False))
    if spent.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
        raise ApiError(401, "ticket_used")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise ApiError(403, "account_disabled")
    audit.record(session, "auth.login", "users", user.id, area_id=user.audit_area_id(), summary={"method": "ticket"})
    return _issue_pair(session, config, user, now)
