"""The kinds of background job: each calls its domain's service as the synchronous route did, in the job's session."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from server.jobs.service import Work, kind

EXPORT_PREFIX = "exports/jobs"


def _moment(work: Work) -> tuple[date, datetime]:
    """The request's local day and time: the job computes what the request would have computed then."""
    return date.fromisoformat(work.params["today"]), datetime.fromisoformat(work.params["now"])


# the ranking service's steps (ranking.service.Progress: fraction done, step), as the console says them
_RANKING_STEPS = {"reading": "正在读取 {month} 的数据", "scoring": "正在计分并保存", "storing": "正在保存"}


def _ranking_progress(work: Work) -> Callable[[float, str], None]:
    def report(fraction: float, step: str) -> None:
        work.progress(10 + int(85 * fraction), _RANKING_STEPS.get(step, step).format(month=work.params["month"]))

    return report


def _run_result(run: Any) -> dict[str, Any]:
    return {"run_id": run.id, "month": run.month, "revision": run.revision, "county_id": run.county_id}


@kind("ranking_compute", "计算月排名草稿")
def ranking_compute(work: Work) -> dict[str, Any]:
    from server.ranking import rules, service

    today, now = _moment(work)
    assert work.actor is not None
    run = service.compute(work.session, work.params["county_id"], work.params["month"], work.actor, today=today,
                          now=now, calendar=rules.load_calendar(work.config.ranking_calendar or None),
                          progress=_ranking_progress(work))
    return _run_result(run)


@kind("ranking_publish", "发布月排名", joins=False)
def ranking_publish(work: Work) -> dict[str, Any]:
    from server.ranking import rules, service

    today, now = _moment(work)
    assert work.actor is not None
    run = service.publish(work.session, work.params["county_id"], work.params["month"], work.actor, today=today,
                          now=now, calendar=rules.load_calendar(work.config.ranking_calendar or None),
                          revision=work.params.get("revision"), reason=work.params.get("reason"),
                          progress=_ranking_progress(work))
    return _run_result(run)


@kind("bulletin_publish_all", "发布全部乡镇通报", joins=False)
def bulletin_publish_all(work: Work) -> dict[str, Any]:
    from server.reports.service import publish_all

    today, now = _moment(work)
    day = date.fromisoformat(work.params["date"])
    assert work.actor is not None
    made = publish_all(work.session, day, today, work.actor.username, escalation_days=work.config.hazard_escalation_days,
                       within=work.actor, now=now, progress=work.progress)
    return {"date": day.isoformat(), "published": len(made), "bulletin_ids": [b.id for b in made]}


@kind("hazard_export", "导出隐患清单")
def hazard_export(work: Work) -> dict[str, Any]:
    from server.common.xlsx import XLSX
    from server.hazards import documents, queries
    from server.hazards.schemas import HazardQuery

    today, _now = _moment(work)
    assert work.actor is not None
    work.progress(10, "正在读取隐患")
    filters = queries.Filters.of(HazardQuery().load(work.params["filters"]))
    body = documents.export_xlsx(work.session, work.actor, filters, today, work.config.hazard_escalation_days)
    work.progress(80, "正在保存文件")
    filename = f"hazards-{today.isoformat()}.xlsx"
    # the job's own key: a retry overwrites its own file, never another's
    key = f"{EXPORT_PREFIX}/{work.job_id}/{filename}"
    work.store.put(key, body, content_type=XLSX)
    return {"key": key, "filename": filename, "content_type": XLSX, "bytes": len(body)}
