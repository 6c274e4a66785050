"""What every record made on a phone shares: idempotent creation on the client UUID and a trustworthy time; the
stale-version conflict of records changed under optimistic concurrency; list filters; and the contract through
which the review queue reads and writes records of other domains (``Reviewable``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable, Generic, TypeVar

from sqlalchemy import ForeignKey, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from server.common.timeutil import local_day
from server.config import Config
from server.db import UTCDateTime
from server.errors import conflict, error

T = TypeVar("T")


class Reviewable:
    """The contract of a record that carries evidence for the township's review queue (证据审核): server/review
    reads and decides the records of other domains through these names only (a read-side package may read other
    domains' tables; this is what it may write).  Clock-ins, visits, publicity (``FieldRecord``) and
    rectifications (``RectificationOrder``) are reviewable.

    Who decided and when are columns of the contract itself (every reviewable table has them, migration 0013):
    a decision is one conditional UPDATE of these columns (server/review/service.py)."""

    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    if TYPE_CHECKING:  # declared by each model as its own columns; only the names and types are the contract
        id: Mapped[int]
        area_id: Mapped[int]
        flags: Mapped[list[str]]
        review_status: Mapped[str]  # pending, approved, rejected
        review_reason: Mapped[str | None]

        @property
        def user_id(self) -> int | None: ...  # who recorded it

        @property
        def occurred_at(self) -> datetime | None: ...  # None: not yet recorded (an open rectification order)


@dataclass(frozen=True)
class Created(Generic[T]):
    """A record and whether this call made it (201) or found the one a retry had made (200)."""

    record: T
    created: bool


def created_or_found(result: Created[Any]) -> tuple[Any, int]:
    """The answer of an idempotent create: 201 for a new record; 200 with the first record for a retry."""
    return result.record, 201 if result.created else 200


def find_once(session: Session, model: type[T], user_id: int | None, client_uuid: str,
              owner: str | None = "user_id") -> T | None:
    """The record a first attempt with this UUID made, or None.  Someone else's is a 409; with ``owner`` None the
    records have no owner (the public's tip-offs), and the UUID alone decides."""
    uuid_col = model.client_uuid  # type: ignore[attr-defined]  # every model passed here has the column
    found = session.scalar(select(model).where(uuid_col == client_uuid))
    return _owned(found, user_id, owner) if found is not None else None


def create_once(session: Session, model: type[T], user_id: int | None, client_uuid: str | None,
                build: Callable[[], T], owner: str | None = "user_id", *, looked_up: bool = False) -> tuple[T, bool]:
    """(record, created).  A retry of the same UUID by the same user finds the record the first attempt made,
    whatever the body says now; the same UUID from someone else is a 409 (``owner`` None: ownerless records, see
    ``find_once``).  Without a UUID the record is simply made.

    A concurrent duplicate that loses the race on the unique client_uuid leaves nothing of its own behind: inside
    a batch (an open savepoint) the attempt gets a savepoint of its own; a single-record request has written
    nothing else, so the whole transaction is rolled back, which saves two round trips on the common path.
    An IntegrityError that is not about client_uuid propagates, after the rollback.  ``looked_up``: the caller has
    just run ``find_once`` itself and found nothing, so it is not repeated (a duplicate that appeared since is
    caught by the unique client_uuid as above)."""
    if client_uuid is None:
        return _add(session, build), True
    found = None if looked_up else find_once(session, model, user_id, client_uuid, owner)
    if found is not None:
        return found, False
    uuid_col = model.client_uuid  # type: ignore[attr-defined]  # every model passed here has the column
    nested = session.in_nested_transaction()
    try:
        if nested:
            with session.begin_nested():
                record = _add(session, build)
        else:
            record = _add(session, build)
    except IntegrityError:
        if not nested:
            session.rollback()
        existing = session.scalar(select(model).where(uuid_col == client_uuid))
        if existing is None:
            raise
        return _owned(existing, user_id, owner), False
    return record, True


def _add(session: Session, build: Callable[[], T]) -> T:
    record = build()
    session.add(record)
    session.flush()
    return record


def _owned(record: Any, user_id: int | None, owner: str | None) -> Any:
    if owner is not None and getattr(record, owner) != user_id:
        raise error("client_uuid_conflict", message="该 client_uuid 已被其他用户使用")
    return record


def flush_or_conflict(session: Session, code: str, message: str | None = None) -> None:
    """Write the pending change of a versioned record (``UPDATE ... WHERE id = :id AND version = :seen``); a
    record changed by someone else since it was read is a 409 with ``code``, and nothing of this request is
    written."""
    try:
        session.flush()
    except StaleDataError:
        raise conflict(code, message) from None


@dataclass(frozen=True)
class FieldTime:
    device_time: datetime
    received_at: datetime
    occurred_at: datetime
    day: date
    flags: tuple[str, ...]


def field_time(config: Config, device_time: datetime, received_at: datetime) -> FieldTime:
    """The device's time is trusted within a window (phones are offline for hours, even days); outside it the
    record is kept and flagged, and the server's receive time decides its day."""
    device_time = device_time.astimezone(timezone.utc)  # answered the same way now and on every retry
    behind = received_at - device_time
    plausible = (timedelta(minutes=-config.device_time_max_ahead_minutes) <= behind
                 <= timedelta(hours=config.device_time_max_behind_hours))
    occurred = device_time if plausible else received_at
    return FieldTime(device_time, received_at, occurred, local_day(occurred),
                     () if plausible else ("device_time_implausible",))


class ListFilters:
    """Mixin for the frozen dataclass of a list endpoint's filters: built from the parsed query, ignoring paging
    arguments, with repeated parameters (status=a&status=b) as tuples."""

    @classmethod
    def of(cls, args: dict[str, Any]) -> Any:
        known = {k: v for k, v in args.items() if k in cls.__dataclass_fields__}  # type: ignore[attr-defined]  # cls is a dataclass
        if isinstance(known.get("status"), list):
            known["status"] = tuple(known["status"])
        return cls(**known)
