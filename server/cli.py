"""The ``gridpatrol`` command: serve, db upgrade, demo, create-admin, places import."""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy.orm import Session

from server.config import VAR_DIR, Config


def _create_app() -> Any:
    from server.app import create_app
    return create_app(Config.from_env())


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """gridpatrol — 网格化安全巡查"""


@contextmanager
def _api_errors() -> Iterator[None]:
    """The API's errors as a CLI error: the same code and Chinese message an HTTP client would get."""
    from server.errors import ApiError
    try:
        yield
    except ApiError as exc:
        detail = json.dumps(exc.detail, ensure_ascii=False) if exc.detail else ""
        raise click.ClickException(f"{exc.code}: {exc.message} {detail}".rstrip())


def _session() -> Session:
    from server.audit.service import CLI, set_context
    session = current_app.extensions["gridpatrol.sessionmaker"]()
    set_context(session, CLI)
    return session


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@with_appcontext
def serve(host: str, port: int) -> None:
    """Serve with the threaded development server (production: gunicorn, see README)."""
    from werkzeug.serving import run_simple
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the real app behind the proxy
    run_simple(host, port, app, threaded=True, use_reloader=False)


@main.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply Alembic migrations."""
    from server.migrate import upgrade
    engine = current_app.extensions["gridpatrol.engine"]
    with engine.begin() as conn:
        upgrade(connection=conn, revision=revision)
    click.echo("database is up to date")


@main.command("demo")
@click.option("--scale", type=click.Choice(["demo", "county", "tiny"]), default="demo", show_default=True)
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="the history runs from the first of last month to the day before this one (default: today, "
                   "Asia/Shanghai)")
@click.option("--activity/--no-activity", default=None,
              help="seed the history of activity (default: yes, except for --scale county)")
@click.option("--if-empty", is_flag=True, help="do nothing when the database already has areas")
@click.option("--accounts-file", type=click.Path(path_type=Path), default=VAR_DIR / "demo-accounts.json",
              show_default=True)
@with_appcontext
def demo(scale: str, seed: int, today: Any, activity: bool | None, if_empty: bool, accounts_file: Path) -> None:
    """Seed a county with townships, villages, grids, people and places, and a history of their work."""
    from server import demo as demo_data
    from server import demo_activity
    from server.common.timeutil import local_day
    with _session() as session:
        if not demo_data.is_empty(session):
            if if_empty:
                click.echo("database already has data; demo seeding skipped")
                _print_accounts(accounts_file)
                return
            raise click.ClickException("database is not empty; demo data goes into an empty database")
        made = demo_data.generate(session, demo_data.Scale.named(scale), seed=seed)
        session.commit()
        click.echo(f"seeded {made.county.name}: {made.grids} grids, {made.members} members, {made.places} places")
        accounts_file.parent.mkdir(parents=True, exist_ok=True)
        accounts_file.write_text(json.dumps(made.accounts, ensure_ascii=False, indent=1))
        if activity if activity is not None else scale != "county":
            day = today.date() if today else local_day(current_app.extensions["gridpatrol.clock"]())
            click.echo("seeding the history of the last month and this one (a few minutes) ...")

            def progress(done: Any, made: Any) -> None:
                if done.isoweekday() == 7:
                    click.echo(f"  up to {done}: {made.counts.get('checkins', 0)} clock-ins, "
                               f"{made.counts.get('visits', 0)} visits, {made.counts.get('photos', 0)} photos")

            with _api_errors():
                history = demo_activity.seed(session, current_app.extensions["gridpatrol.config"],
                                             current_app.extensions["gridpatrol.store"], today=day, seed=seed,
                                             profile=demo_activity.PROFILES[scale], progress=progress)
            for line in demo_activity.summary(session, history):
                click.echo(line)
    _print_accounts(accounts_file)


def _print_accounts(accounts_file: Path) -> None:
    if not accounts_file.exists():
        return
    accounts = json.loads(accounts_file.read_text())
    click.echo(f"demo accounts ({len(accounts)} in {accounts_file}), for example:")
    shown: dict[str, int] = {}
    for a in accounts:
        if shown.get(a["role"], 0) < 3:
            shown[a["role"]] = shown.get(a["role"], 0) + 1
            click.echo(f"  {a['username']:<12} {a['password']:<18} {a['role']:<15} {a['area']}")


@main.command("create-admin")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True, help="display name, e.g. 张伟")
@click.option("--area-code", required=True, help="the county (or township) code the admin is responsible for")
@click.option("--role", type=click.Choice(["county_admin", "township_admin"]), default="county_admin",
              show_default=True)
@click.password_option()
@with_appcontext
def create_admin(username: str, display_name: str, area_code: str, role: str, password: str) -> None:
    """Create a county or township admin (the first account of a new installation)."""
    from sqlalchemy import select

    from server.auth.scope import SYSTEM
    from server.auth.service import create_user
    from server.org.models import Area
    with _session() as session:
        area = session.scalar(select(Area).where(Area.code == area_code))
        if area is None:
            raise click.ClickException(f"no area with code {area_code}")
        with _api_errors():
            user = create_user(session, SYSTEM, username=username, display_name=display_name, role=role,
                               area_ids=[area.id], password=password)
        session.commit()
        click.echo(f"created {role} {user.username} for {area.name}")


@main.command("create-county")
@click.option("--code", required=True, help="6-digit administrative code")
@click.option("--name", required=True)
@with_appcontext
def create_county(code: str, name: str) -> None:
    """Create the root area of a new installation."""
    from server.org.service import create_county as make
    with _session() as session:
        with _api_errors():
            area = make(session, code=code, name=name)
        session.commit()
        click.echo(f"created county {area.name} ({area.code}), id {area.id}")


@main.group("checklists")
def checklists_group() -> None:
    """Modular checklists (模块化检查清单)."""


@checklists_group.command("load")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="default: client_schema/checklists")
@with_appcontext
def checklists_load(directory: Path | None) -> None:
    """Load checklist definitions; a loaded version never changes (bump the version instead)."""
    from server.checklists.service import CHECKLIST_DIR, load_directory
    with _session() as session:
        try:
            report = load_directory(session, directory or CHECKLIST_DIR)
        except ValueError as exc:
            raise click.ClickException(str(exc))
        session.commit()
    click.echo(f"loaded {len(report.loaded)} checklist versions, {len(report.unchanged)} already loaded")


@main.group("bulletin")
def bulletin_group() -> None:
    """Daily bulletins (每日一通报)."""


@bulletin_group.command("publish")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="local day; default: yesterday (Asia/Shanghai)")
@with_appcontext
def bulletin_publish(day: Any) -> None:
    """Publish every township's bulletin for a day (cron: shortly after midnight, for yesterday)."""
    from datetime import timedelta

    from server.common.timeutil import local_day
    from server.reports.service import publish_all
    today = local_day(current_app.extensions["gridpatrol.clock"]())
    target = day.date() if day else today - timedelta(days=1)
    with _session() as session, _api_errors():
        made = publish_all(session, target, today,
                           escalation_days=current_app.extensions["gridpatrol.config"].hazard_escalation_days)
        session.commit()
    click.echo(f"published {len(made)} bulletins for {target.isoformat()}")


@main.group("ranking")
def ranking_group() -> None:
    """Monthly rankings (月排名).  Cron, Asia/Shanghai: ``30 1 1 * * gridpatrol ranking publish`` (last month)."""


def _ranking_month(month: str | None) -> str:
    from server.common.timeutil import local_day
    from server.ranking.rules import previous_month
    today = local_day(current_app.extensions["gridpatrol.clock"]())
    return month or previous_month(f"{today.year}-{today.month:02d}")


def _ranking_calendar() -> Any:
    from server.ranking.rules import load_calendar
    return load_calendar(current_app.extensions["gridpatrol.config"].ranking_calendar or None)


def _ranking_counties(session: Any, code: str | None) -> list[Any]:
    """The county named by its code, or every county (each ranks its own month)."""
    from server.org.service import counties
    found = [c for c in counties(session) if code is None or c.code == code]
    if code is not None and not found:
        raise click.ClickException(f"no county with code {code}")
    return found


@ranking_group.command("compute")
@click.option("--month", default=None, help="YYYY-MM (Asia/Shanghai); default: last month")
@click.option("--county", default=None, help="the county's area code; default: every county")
@with_appcontext
def ranking_compute(month: str | None, county: str | None) -> None:
    """Compute a month's draft of each county (replacing the previous draft); published revisions are never
    touched."""
    from server.auth.scope import SYSTEM
    from server.common.timeutil import local_day
    from server.ranking.service import compute
    now = current_app.extensions["gridpatrol.clock"]()
    key = _ranking_month(month)
    with _session() as session:
        for area in _ranking_counties(session, county):
            with _api_errors():
                run = compute(session, area.id, key, SYSTEM, today=local_day(now), now=now,
                              calendar=_ranking_calendar())
            session.commit()
            click.echo(f"draft of {run.month} ({area.name}): {run.counts['members']} members, "
                       f"{run.counts['villages']} villages, {run.counts['townships']} townships; "
                       f"rule v{run.rule_version}; digest {run.digest}")


@ranking_group.command("publish")
@click.option("--month", default=None, help="YYYY-MM (Asia/Shanghai); default: last month")
@click.option("--county", default=None, help="the county's area code; default: every county")
@click.option("--reason", default=None, help="a correction: publishes the next revision, with this reason")
@with_appcontext
def ranking_publish(month: str | None, county: str | None, reason: str | None) -> None:
    """Publish (freeze) an ended month of each county as revision 1; with --reason, a correction as the next
    revision."""
    from dataclasses import replace

    from server.auth.scope import SYSTEM
    from server.common.timeutil import local_day
    from server.ranking.service import latest_revision, publish
    now = current_app.extensions["gridpatrol.clock"]()
    key = _ranking_month(month)
    with _session() as session:
        for area in _ranking_counties(session, county):
            with _api_errors():
                revision = None if reason is None else latest_revision(session, area, key) + 1
                run = publish(session, area.id, key, replace(SYSTEM, username="cli"), today=local_day(now), now=now,
                              calendar=_ranking_calendar(), revision=revision, reason=reason)
            session.commit()
            click.echo(f"published {run.month} revision {run.revision} ({area.name}): {run.counts['members']} "
                       f"members; rule v{run.rule_version}; digest {run.digest}")


@ranking_group.command("rule-load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--note", default=None)
@with_appcontext
def ranking_rule_load(file: Path, note: str | None) -> None:
    """Store a rule document (JSON) as the next rule version; the next compute uses it."""
    from server.ranking.service import add_rule
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise click.ClickException(f"{file}: not JSON ({exc})")
    with _session() as session:
        with _api_errors():
            rule = add_rule(session, document, "cli", note or file.name)
        session.commit()
    click.echo(f"stored ranking rule version {rule.version} ({rule.digest[:12]})")


@main.group("evidence")
def evidence_group() -> None:
    """Photo evidence."""


@evidence_group.command("sweep")
@click.option("--grace-hours", type=int, default=None, help="default: GRIDPATROL_EVIDENCE_SWEEP_GRACE_HOURS (24)")
@with_appcontext
def evidence_sweep(grace_hours: int | None) -> None:
    """Delete stored objects no photo references, once older than the grace period, and the parts of finished or
    abandoned resumable uploads (cron: nightly)."""
    from datetime import timedelta

    from server.evidence.service import sweep
    from server.uploads.service import sweep as sweep_uploads
    config = current_app.extensions["gridpatrol.config"]
    hours = grace_hours if grace_hours is not None else config.evidence_sweep_grace_hours
    store, now = current_app.extensions["gridpatrol.store"], current_app.extensions["gridpatrol.clock"]()
    with _session() as session:
        deleted = sweep(session, store, now, timedelta(hours=hours))
        parts = sweep_uploads(session, store, now, timedelta(hours=hours))
        session.commit()
    click.echo(f"deleted {len(deleted)} orphaned objects older than {hours} h")
    click.echo(f"deleted {len(parts)} upload parts of finished, abandoned or orphaned uploads")


@main.group("places")
def places_group() -> None:
    """Places (企业/场所)."""


@places_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True)
@with_appcontext
def places_import(file: Path, dry_run: bool) -> None:
    """Import places from a CSV or XLSX file, as the county (all areas)."""
    from server.auth.scope import SYSTEM
    from server.places.importer import import_places
    with _session() as session, file.open("rb") as fh:
        report = import_places(session, SYSTEM, fh, file.name, dry_run=dry_run)
        session.commit()
    click.echo(json.dumps({k: v for k, v in report.__dict__.items() if k != "errors"}, ensure_ascii=False))
    for err in report.errors[:50]:
        click.echo(f"  row {err.row} {err.field}: {err.message}", err=True)


@main.command("worker")
@click.option("--burst", is_flag=True, help="run the queued jobs, then exit (default: wait for more)")
@with_appcontext
def worker(burst: bool) -> None:
    """Run background jobs (rankings, bulletins of every township, exports) from the RQ queue on
    GRIDPATROL_JOBS_REDIS_URL; without it the web process runs them in a thread and no worker is needed."""
    from server.jobs.queue import work
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the real app behind the proxy
    if not app.extensions["gridpatrol.config"].jobs_redis_url:
        raise click.ClickException("GRIDPATROL_JOBS_REDIS_URL is not set: jobs run in the web process's thread")
    work(app, burst=burst)


@main.group("jobs")
def jobs_group() -> None:
    """Background jobs."""


@jobs_group.command("sweep")
@click.option("--days", type=int, default=7, show_default=True, help="keep the files of jobs finished this recently")
@with_appcontext
def jobs_sweep(days: int) -> None:
    """Delete the stored exports of jobs finished more than --days ago (cron: nightly)."""
    from datetime import timedelta

    from server.jobs.service import sweep_files
    now = current_app.extensions["gridpatrol.clock"]()
    with _session() as session:
        deleted = sweep_files(session, current_app.extensions["gridpatrol.store"], now, timedelta(days=days))
        session.commit()
    click.echo(f"deleted {deleted} job files")


if __name__ == "__main__":
    sys.exit(main())
