"""审计日志: thin routes to read the audit log of my scope."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from server.audit import service
from server.audit.schemas import AuditOut, AuditQuery
from server.auth.guard import current_actor, login_required
from server.common.schemas import page_of
from server.web import db

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="操作日志 (只读)")


@blp.route("", methods=["GET"])
@login_required("audit:read")
@blp.arguments(AuditQuery, location="query")
@blp.response(200, AuditOut(many=True))
@blp.paginate()
def entries(args: dict[str, Any], pagination_parameters: Any) -> Any:
    """The append-only audit log of my scope, newest first (county admins)"""
    return page_of(db(), service.query(current_actor(), **args), pagination_parameters)
