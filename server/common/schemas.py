"""Schema building blocks shared by every domain: strict input, locations, paging."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


class In(ma.Schema):
    """Input schemas refuse unknown fields (no mass assignment, typos are caught)."""

    class Meta:
        unknown = ma.RAISE


class Out(ma.Schema):
    class Meta:
        ordered = True


def Int(**kw: Any) -> ma.fields.Integer:
    """A strict integer: 2.5e-42 or "12" in a JSON body is a type error, not a silent cast."""
    return ma.fields.Integer(strict=True, **kw)


class LocationIn(In):
    """A point as the phone reports it; GCJ-02 is converted to WGS-84 by the service."""

    lat = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(-90, 90))
    lng = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(-180, 180))
    accuracy = ma.fields.Float(allow_nan=False, validate=ma.validate.Range(0, 100_000),
                               metadata={"description": "metres"})
    coord_system = ma.fields.String(load_default="wgs84", validate=ma.validate.OneOf(["wgs84", "gcj02"]))


class LocationOut(Out):
    lat = ma.fields.Float()
    lng = ma.fields.Float()


def page_of(session: Session, stmt: Select[Any], pagination: Any) -> list[Any]:
    """One page of ``stmt`` and the total count in ``pagination`` (flask-smorest writes the X-Pagination header)."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pagination.item_count = int(total or 0)
    offset = (pagination.page - 1) * pagination.page_size
    return list(session.scalars(stmt.offset(offset).limit(pagination.page_size)).unique())
