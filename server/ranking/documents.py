"""The ranking's XLSX: the whole board with every metric's raw value and points."""
from __future__ import annotations

from typing import Any, Sequence

from server.common.xlsx import Book
from server.ranking import rules
from server.ranking.models import RankingEntry, RankingRun
from server.ranking.rules import METRICS


def raw_text(metric: str, m: dict[str, Any]) -> Any:
    """A metric's raw value as every sheet writes it: rates as a percentage (with num/den where a member's),
    counts as numbers, nothing to measure as 不适用."""
    raw = m["raw"]
    if raw is None:
        return "不适用"
    if METRICS[metric].kind == "rate":
        return f"{raw:.2%}" + (f" ({m['num']}/{m['den']})" if m.get("den") is not None else "")
    return raw


def export_xlsx(run: RankingRun, entries: Sequence[RankingEntry], level: str, title: str) -> bytes:
    """The whole board with every metric's raw value and points; ``title`` names the township or the county."""
    doc = run.rule.document
    names = [n for n in METRICS if n in doc["metrics"]]
    book = Book()
    ws = book.sheet(rules.LEVEL_LABELS[level] + "排名")
    ws.freeze("D4")
    state = "草稿" if run.status == "draft" else f"第 {run.revision} 版"
    ws.title(f"{title} {run.month} {rules.LEVEL_LABELS[level]}月排名 · 规则 v{run.rule_version} · {state}"
             + (f" · 更正原因: {run.reason}" if run.reason else ""))
    ws.row([f"统计截至 {run.cutoff.isoformat()}, 工作日 {len(run.working_days)} 天; "
            f"输入摘要 SHA-256 {run.digest}"])
    head = ["排名", "乡镇内排名", "名称", "账号", "网格", "村(社区)", "乡镇(街道)", "人数", "总分"]
    for n in names:
        spec = doc["metrics"][n]
        head += [f"{METRICS[n].label} 原始值", f"{METRICS[n].label} 得分 (满分 {spec['weight']:g})"]
    ws.row(head, bold=True)
    for e in entries:
        row: list[Any] = [e.rank, e.township_rank, e.name, e.username, e.grid_name, e.village_name,
                          e.township_name, e.members, e.score]
        for n in names:
            row += [raw_text(n, e.metrics[n]), e.metrics[n]["points"]]
        ws.row(row)
    if not entries:
        ws.row(["本月没有可排名的数据"])
    return book.to_bytes()
