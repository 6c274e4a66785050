"""Imports every domain's models so that metadata (Alembic, tests) sees all tables."""
from __future__ import annotations


def import_all() -> None:
    import server.audit.models  # noqa: F401
    import server.auth.models  # noqa: F401
    import server.checklists.models  # noqa: F401
    import server.dispatch.models  # noqa: F401
    import server.evidence.models  # noqa: F401
    import server.hazards.models  # noqa: F401
    import server.jobs.models  # noqa: F401
    import server.org.models  # noqa: F401
    import server.patrol.models  # noqa: F401
    import server.places.models  # noqa: F401
    import server.ranking.models  # noqa: F401
    import server.reports.models  # noqa: F401
    import server.tipoffs.models  # noqa: F401
    import server.uploads.models  # noqa: F401
