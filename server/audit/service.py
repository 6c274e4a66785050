"""Recording and reading the audit log.

Every flush of an audited model (``__audited__ = True``) is recorded automatically by session events, so no write
path can forget it; bulk operations that bypass the ORM (imports) call :func:`record` themselves.  Who is acting
is kept in ``session.info["audit"]`` by whoever opened the session (the request, a CLI command).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Sequence

from sqlalchemy import Select, event, insert, inspect, select
from sqlalchemy.orm import Session

from server.audit.models import AuditEntry
from server.auth.scope import Actor
from server.db import CLI, AuditContext, audit_context, set_context, utcnow
from server.org.models import Area

__all__ = ["CLI", "AuditContext", "set_context", "install", "record"]  # the context lives in server/db.py


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _changes(obj: Any, new: bool) -> dict[str, Any]:
    private = set(getattr(obj, "__audit_private__", ()))
    state = inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in ("created_at", "updated_at"):
            continue
        hist = state.attrs[key].history
        if new:
            value = getattr(obj, key)
            if value is None:
                continue
            out[key] = "***" if key in private else _plain(value)
        elif hist.has_changes():
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
            if before == after:
                continue
            out[key] = ({"from": "***", "to": "***"} if key in private
                        else {"from": _plain(before), "to": _plain(after)})
    if "boundary" in out:  # polygons are long; the fact that it changed is what an auditor needs
        out["boundary"] = "(changed)" if not new else "(set)"
    return out


def _object_id(obj: Any) -> str | None:
    # new objects get their identity key only after after_flush; the primary key attributes are already set
    pk = inspect(obj).mapper.primary_key_from_instance(obj)
    return None if any(v is None for v in pk) else "/".join(str(v) for v in pk)


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    pending = session.info.setdefault("audit_pending", [])
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            pending.append(("create", obj, None))
    for obj in session.dirty:
        if getattr(obj, "__audited__", False) and session.is_modified(obj, include_collections=False):
            changes = _changes(obj, new=False)
            if changes:
                pending.append(("update", obj, changes))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            pending.append(("delete", obj, {}))


def _after_flush(session: Session, _ctx: Any) -> None:
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    ctx = audit_context(session)
    rows = []
    for action, obj, changes in pending:
        if changes is None:
            changes = _changes(obj, new=True)
        area_id = obj.audit_area_id() if action != "delete" else getattr(obj, "area_id", None)
        rows.append({
            "at": utcnow(),
            "actor_id": ctx.actor_id,
            "actor_name": ctx.actor_name,
            "action": f"{obj.__tablename__}.{action}",
            "object_type": obj.__tablename__,
            "object_id": _object_id(obj),
            "area_id": area_id,
            "summary": changes,
            "ip": ctx.ip,
            "request_id": ctx.request_id,
        })
    session.connection().execute(insert(AuditEntry), rows)


def install(session_factory: Any) -> None:
    event.listen(session_factory, "before_flush", _before_flush)
    event.listen(session_factory, "after_flush", _after_flush)


def record(session: Session, action: str, object_type: str, object_id: Any = None, *, area_id: int | None = None,
           summary: dict[str, Any] | None = None) -> None:
    """An explicit entry, for writes that do not go through the ORM (bulk imports) or events such as logins."""
    ctx = audit_context(session)
    session.add(AuditEntry(
        at=utcnow(), actor_id=ctx.actor_id, actor_name=ctx.actor_name, action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id), area_id=area_id, summary=_plain(summary or {}),
        ip=ctx.ip, request_id=ctx.request_id,
    ))


def query(actor: Actor, *, object_type: str | None = None, object_id: str | None = None,
          actor_id: int | None = None, action: str | None = None, since: datetime | None = None,
          until: datetime | None = None) -> Select[AuditEntry]:
    """Entries of the actor's scope, newest first.  Entries with no area (failed logins of unknown names) are
    shown to county admins, who are the only readers."""
    stmt = select(AuditEntry).outerjoin(Area, Area.id == AuditEntry.area_id).where(
        actor.area_clause(Area.path) | AuditEntry.area_id.is_(None))
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    return stmt.order_by(AuditEntry.id.desc())


def entries(session: Session, stmt: Select[AuditEntry]) -> Sequence[AuditEntry]:
    return session.scalars(stmt).all()
