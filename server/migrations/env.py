"""Alembic environment: the URL comes from the app's configuration (or an engine handed in by the caller)."""
from __future__ import annotations

from typing import Any

from alembic import context

from server.config import Config
from server.db import Base, make_engine
from server.models import import_all

import_all()
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or Config.from_env().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


def _run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs ALTER TABLE emulated
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
