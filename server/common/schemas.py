"""Schema building blocks shared by every domain: strict input, locations, paging."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from server.common.fields import guard_field, raw_text_problems


class Guarded(ma.Schema):
    """Refuses text and dates that could not be stored or computed with (``server.common.fields``: NUL, lone
    surrogates, years outside 1900..2200), in every field and in free-form dicts; every input schema is one."""

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        guard_field(field_obj)

    @ma.pre_load
    def _refuse_bad_text(self, data: Any, **_kw: Any) -> Any:
        # free-form dicts and unknown keys too: anything that reaches a column, a log line or an error answer
        if problems := raw_text_problems(data):
            raise ma.ValidationError(problems)
        return data


class In(Guarded):
    """Input schemas refuse unknown fields (no mass assignment, typos are caught) and bad text and dates."""

    class Meta:
        unknown = ma.RAISE


class Out(ma.Schema):
    class Meta:
        ordered = True


# Ids and counts are PostgreSQL ``integer`` columns: a number outside their range names nothing, and binding it in
# a query fails in the database driver (a 500), so integers are bounded where they come in: bodies and query
# strings here, paths in web.py.
ID_MAX = 2**31 - 1
INT_RANGE = ma.validate.Range(-ID_MAX - 1, ID_MAX)


def _with_int_range(kw: dict[str, Any]) -> dict[str, Any]:
    """``kw`` with INT_RANGE ahead of any validators the caller gave (people_reached: 0..10000)."""
    extra = kw.pop("validate", None) or []
    if not isinstance(extra, (list, tuple)):
        extra = [extra]
    return {**kw, "validate": [INT_RANGE, *extra]}


def Int(**kw: Any) -> ma.fields.Integer:
    """A strict integer that fits an integer column: 2.5e-42 or "12" in a JSON body is a type error, not a silent
    cast, and 2**31 is refused here instead of failing in the database."""
    return ma.fields.Integer(strict=True, **_with_int_range(kw))


def QueryInt(**kw: Any) -> ma.fields.Integer:
    """An integer in a query string: text there, so not strict, but bounded like :func:`Int`."""
    return ma.fields.Integer(**_with_int_range(kw))


class LocationIn(In):
    """A point as the phone reports it; GCJ-02 is converted to WGS-84 by the service."""

    lat = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(-90, 90))
    lng = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(-180, 180))
    accuracy = ma.fields.Float(allow_nan=False, validate=ma.validate.Range(0, 100_000),
                               metadata={"description": "metres"})
    coord_system = ma.fields.String(load_default="wgs84", validate=ma.validate.OneOf(["wgs84", "gcj02"]))


def page_of(session: Session, stmt: Select[Any], pagination: Any) -> list[Any]:
    """One page of ``stmt`` and the total count in ``pagination`` (flask-smorest writes the X-Pagination header)."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pagination.item_count = int(total or 0)
    offset = (pagination.page - 1) * pagination.page_size
    if offset >= pagination.item_count:  # past the end: nothing to fetch, and no OFFSET too large for the database
        return []
    return list(session.scalars(stmt.offset(offset).limit(pagination.page_size)).unique())
