"""The ranking rule and the calendar as data, and the arithmetic that turns a member's figures into points.

Pure functions: no database, no Flask.  ``service.py`` reads the figures with a handful of grouped queries and
hands them here.

A rule is a JSON document (the default is ``default_rule.json`` beside this file; the database keeps every
version that was ever used, see ``RankingRule``)::

    {"title": "...", "aggregate": "mean", "tie_break": ["clock_in_rate", ...],
     "metrics": {"clock_in_rate": {"weight": 25, "cap": 1.0}, ...}}

* ``weight`` is the metric's full marks (满分), reached at ``cap``: points = weight × min(raw, cap) / cap.  A penalty
  metric (``evidence_rejected``, ``tipoffs_missed``) takes the same number of points off instead.  A metric the
  rule leaves out is not scored.  Weights are ≥ 0, caps > 0, names must be those of :data:`METRICS`.
* A rate whose denominator is 0 (a grid without places, no task due in the month) asked nothing of the member:
  its raw value is null.  ``unmeasured`` says what it scores.  ``"scale"`` (the default rule): the member's own
  share on the rates that did apply (the points of those rates over their full marks), so a member who was asked
  less is scored on what was asked, and a member who did nothing scores nothing there either — never full marks
  for nothing done.  ``"full"`` (rules written before it existed): full marks.
* A member with no duties in the month — no rate of the rule applies (no working day counted, no place in the
  grids, no task due) — is not ranked: the board leaves them out, and ``me`` answers ``not_ranked`` with the
  reason ``no_duties``.
* ``aggregate`` ("mean" or "median") is how villages and townships are scored from their members: the mean (or
  median) member score, so a township with more members is neither favoured nor penalised by its size.
* Order: the higher score (rounded to 0.01); then the higher points of each metric of ``tie_break`` in turn (for
  a penalty metric the higher points are the smaller penalty).  Rows equal on all of these are tied and share a
  rank (1, 1, 3: the next rank counts the tied rows); within a tie they are listed by username (members) or area
  code (villages, townships), so the same data always gives the same order.

The calendar (``calendar.json``, or the file named by GRIDPATROL_RANKING_CALENDAR) says which days are working
days: ``weekend`` lists ISO weekday numbers (6 = Saturday, 7 = Sunday) that are days off, ``holidays`` lists
dates off (法定节假日), ``workdays`` lists weekend dates that are working days (调休上班).  A working day is a
``workdays`` date, or a day that is neither a weekend day nor a holiday.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence, TypeGuard

HERE = Path(__file__).resolve().parent
DEFAULT_RULE_FILE = HERE / "default_rule.json"
DEFAULT_CALENDAR_FILE = HERE / "calendar.json"


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    kind: str  # "rate": num / den in [0, 1]; "count": a number of things
    penalty: bool
    description: str


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("clock_in_rate", "进岗打卡率", "rate", False,
           "working days with a counted clock-in not rejected in review / working days of the month"),
    Metric("patrol_coverage", "巡查覆盖率", "rate", False,
           "distinct places of the member's grids the member visited (visits not rejected) / places of those grids"),
    Metric("reports_on_time", "日报按时率", "rate", False,
           "working days with a daily report submitted before the day ended / working days of the month"),
    Metric("hazards_found", "发现一般隐患", "count", False,
           "general hazards the member found in the month (not rejected as hazards, not from a rejected visit)"),
    Metric("major_hazards_found", "发现重大隐患", "count", False,
           "major hazards the member found in the month (same conditions); weighted higher than general ones"),
    Metric("rechecks_on_time", "复查按期率", "rate", False,
           "re-check tasks (隐患复查) due in the month completed by their due date / re-check tasks due"),
    Metric("tasks_on_time", "任务按期完成率", "rate", False,
           "other dispatched tasks due in the month completed by their due date / tasks due"),
    Metric("publicity_coverage", "宣传覆盖率", "rate", False,
           "distinct places of the member's grids given safety publicity (not rejected) / places of those grids"),
    Metric("evidence_rejected", "证据被驳回", "count", True,
           "clock-ins, visits and publicity records of the month rejected in review (a penalty)"),
    Metric("tipoffs_missed", "举报漏报", "count", True,
           "tip-offs in the member's grid, received in the month, that became hazards the member had not found "
           "first at the same place (a penalty)"),
)}
AGGREGATES = ("mean", "median")
UNMEASURED = ("scale", "full")
LEVELS = ("member", "village", "township")
LEVEL_LABELS = {"member": "网格员", "village": "村(社区)", "township": "乡镇(街道)"}
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class RuleError(ValueError):
    """A rule document that cannot be used; ``fields`` maps a dotted path to its messages (Chinese)."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items()))
        self.fields = fields


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate_rule(document: Any) -> dict[str, Any]:
    """The rule in canonical form, or :class:`RuleError` naming every problem (unknown metric names, negative
    weights, caps that are not positive, unknown keys, a tie-break on a metric the rule does not score)."""
    errors: dict[str, list[str]] = {}

    def err(path: str, message: str) -> None:
        errors.setdefault(path, []).append(message)

    if not isinstance(document, dict):
        raise RuleError({"rule": ["规则应为 JSON 对象"]})
    for key in document:
        if key not in ("title", "aggregate", "tie_break", "metrics", "unmeasured"):
            err(key, "未知字段")
    title = document.get("title", "")
    if not isinstance(title, str) or len(title) > 100:
        err("title", "标题应为不超过 100 字的字符串")
    aggregate = document.get("aggregate", "mean")
    if aggregate not in AGGREGATES:
        err("aggregate", f"取值必须是: {', '.join(AGGREGATES)}")
    metrics = document.get("metrics")
    clean: dict[str, dict[str, float]] = {}
    if not isinstance(metrics, dict) or not metrics:
        err("metrics", "至少需要一个指标")
        metrics = {}
    for name, spec in metrics.items():
        if name not in METRICS:
            err(f"metrics.{name}", f"未知指标; 可用指标: {', '.join(METRICS)}")
            continue
        if not isinstance(spec, dict):
            err(f"metrics.{name}", "应为 {\"weight\": 数字, \"cap\": 数字}")
            continue
        for key in spec:
            if key not in ("weight", "cap"):
                err(f"metrics.{name}.{key}", "未知字段")
        weight, cap = spec.get("weight"), spec.get("cap")
        if not _number(weight):
            err(f"metrics.{name}.weight", "必填, 应为数字")
        elif weight < 0:
            err(f"metrics.{name}.weight", "权重(满分)不能为负数")
        if not _number(cap):
            err(f"metrics.{name}.cap", "必填, 应为数字")
        elif cap < 0:
            err(f"metrics.{name}.cap", "封顶值不能为负数")
        elif cap == 0:
            err(f"metrics.{name}.cap", "封顶值必须大于 0")
        elif METRICS[name].kind == "rate" and cap > 1:
            err(f"metrics.{name}.cap", "比率指标的封顶值不能大于 1")
        if name not in errors and not any(k.startswith(f"metrics.{name}.") for k in errors):
            clean[name] = {"weight": float(weight or 0), "cap": float(cap or 0)}
    tie_break = document.get("tie_break", [])
    if not isinstance(tie_break, list) or not all(isinstance(t, str) for t in tie_break):
        err("tie_break", "应为指标名称的数组")
        tie_break = []
    for t in tie_break:
        if t not in METRICS:
            err("tie_break", f"未知指标: {t}")
        elif isinstance(metrics, dict) and t not in metrics:
            err("tie_break", f"规则未计分的指标不能用于并列排序: {t}")
    if len(set(tie_break)) != len(tie_break):
        err("tie_break", "指标重复")
    unmeasured = document.get("unmeasured")
    if unmeasured is not None and unmeasured not in UNMEASURED:
        err("unmeasured", f"取值必须是: {', '.join(UNMEASURED)}")
    if errors:
        raise RuleError(errors)
    ordered = {name: clean[name] for name in METRICS if name in clean}  # catalogue order, whatever the file's
    out = {"title": title, "aggregate": aggregate, "tie_break": list(tie_break), "metrics": ordered}
    if unmeasured is not None:  # absent in rules written before it: they keep scoring as they did ("full")
        out["unmeasured"] = unmeasured
    return out


def rule_digest(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def load_default_rule() -> dict[str, Any]:
    return validate_rule(json.loads(DEFAULT_RULE_FILE.read_text(encoding="utf-8")))


def parse_month(value: str) -> tuple[int, int] | None:
    """(year, month) of "YYYY-MM", or None when malformed."""
    m = MONTH_RE.match(value or "")
    if not m or int(m.group(1)) < 2000:
        return None
    return int(m.group(1)), int(m.group(2))


def month_days(year: int, month: int) -> tuple[date, date]:
    """First and last local day of a month."""
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def previous_month(key: str) -> str:
    year, month = parse_month(key) or (0, 0)
    return f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"


# --- calendar -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Calendar:
    weekend: frozenset[int]
    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_working(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.isoweekday() not in self.weekend and day not in self.holidays

    def working_days(self, first: date, last: date) -> list[date]:
        out, day = [], first
        while day <= last:
            if self.is_working(day):
                out.append(day)
            day += timedelta(days=1)
        return out


def parse_calendar(data: Mapping[str, Any]) -> Calendar:
    weekend = data.get("weekend", [6, 7])
    if not isinstance(weekend, list) or not all(isinstance(d, int) and 1 <= d <= 7 for d in weekend):
        raise ValueError("calendar: weekend must list ISO weekday numbers 1-7")
    try:
        holidays = frozenset(date.fromisoformat(d) for d in data.get("holidays", []))
        workdays = frozenset(date.fromisoformat(d) for d in data.get("workdays", []))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"calendar: dates must be YYYY-MM-DD ({exc})") from None
    return Calendar(frozenset(weekend), holidays, workdays)


def load_calendar(path: str | Path | None = None) -> Calendar:
    return parse_calendar(json.loads(Path(path or DEFAULT_CALENDAR_FILE).read_text(encoding="utf-8")))


# --- scoring ------------------------------------------------------------------------------------------------------

@dataclass
class Figures:
    """What the database says about one member in one month (the inputs of scoring)."""

    clock_in_days: int = 0
    working_days: int = 0
    places: int = 0
    places_visited: int = 0
    places_publicised: int = 0
    reports_on_time: int = 0
    hazards_general: int = 0
    hazards_major: int = 0
    rechecks_due: int = 0
    rechecks_on_time: int = 0
    tasks_due: int = 0
    tasks_on_time: int = 0
    evidence_rejected: int = 0
    tipoffs_missed: int = 0

    def raw(self) -> dict[str, tuple[float | None, int | None, int | None]]:
        """Each metric as (raw value, numerator, denominator); counts have no denominator."""
        def rate(num: int, den: int) -> tuple[float | None, int, int]:
            return (round(num / den, 4) if den else None), num, den
        return {
            "clock_in_rate": rate(self.clock_in_days, self.working_days),
            "patrol_coverage": rate(self.places_visited, self.places),
            "reports_on_time": rate(self.reports_on_time, self.working_days),
            "hazards_found": (float(self.hazards_general), None, None),
            "major_hazards_found": (float(self.hazards_major), None, None),
            "rechecks_on_time": rate(self.rechecks_on_time, self.rechecks_due),
            "tasks_on_time": rate(self.tasks_on_time, self.tasks_due),
            "publicity_coverage": rate(self.places_publicised, self.places),
            "evidence_rejected": (float(self.evidence_rejected), None, None),
            "tipoffs_missed": (float(self.tipoffs_missed), None, None),
        }

    def as_list(self) -> list[int]:
        return [self.clock_in_days, self.working_days, self.places, self.places_visited, self.places_publicised,
                self.reports_on_time, self.hazards_general, self.hazards_major, self.rechecks_due,
                self.rechecks_on_time, self.tasks_due, self.tasks_on_time, self.evidence_rejected,
                self.tipoffs_missed]


def points_of(name: str, raw: float | None, spec: Mapping[str, float]) -> float:
    """A metric's points under the rule: weight × min(raw, cap) / cap, negative for penalties; a rate with nothing
    to measure (raw None) scores full marks."""
    metric = METRICS[name]
    weight, cap = spec["weight"], spec["cap"]
    if raw is None:
        share = 0.0 if metric.penalty else 1.0
    else:
        share = min(max(raw, 0.0), cap) / cap
    return round((-1 if metric.penalty else 1) * weight * share, 2)


def score_member(figures: Figures, rule: Mapping[str, Any]) -> tuple[float, dict[str, dict[str, Any]]]:
    """(score, {metric: {raw, num, den, points}}) for every metric of the rule; the score is the sum of the
    points.  Under ``unmeasured: "scale"`` a rate with nothing to measure scores the member's share on the rates
    that were measured (see the module's docstring)."""
    raws = figures.raw()
    metrics: dict[str, dict[str, Any]] = {}
    for name, spec in rule["metrics"].items():
        raw, num, den = raws[name]
        metrics[name] = {"raw": raw, "num": num, "den": den, "points": points_of(name, raw, spec)}
    if rule.get("unmeasured") == "scale":
        rates = [n for n in rule["metrics"] if METRICS[n].kind == "rate" and not METRICS[n].penalty]
        measured = [n for n in rates if metrics[n]["raw"] is not None]
        full = sum(rule["metrics"][n]["weight"] for n in measured)
        share = sum(metrics[n]["points"] for n in measured) / full if full else 0.0
        for n in rates:
            if metrics[n]["raw"] is None:
                metrics[n]["points"] = round(rule["metrics"][n]["weight"] * share, 2)
    return round(sum(m["points"] for m in metrics.values()), 2), metrics


def has_duties(metrics: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether any rate of the rule applied to the member this month (a member without is not ranked)."""
    return any(m["raw"] is not None for n, m in metrics.items() if METRICS[n].kind == "rate")


def aggregate(values: Iterable[float], how: str) -> float | None:
    vals = list(values)
    if not vals:
        return None
    return round(statistics.median(vals) if how == "median" else statistics.fmean(vals), 4)


def aggregate_group(members: list[tuple[float, dict[str, dict[str, Any]]]], rule: Mapping[str, Any]
                    ) -> tuple[float, dict[str, dict[str, Any]]]:
    """A village's or township's score and metrics from its members': the rule's aggregate of member scores, and
    per metric the same aggregate of the members' raw values (nulls left out) and points."""
    how = rule["aggregate"]
    score = aggregate((s for s, _ in members), how) or 0.0
    metrics = {}
    for name in rule["metrics"]:
        raws = [m[name]["raw"] for _, m in members if m[name]["raw"] is not None]
        metrics[name] = {"raw": aggregate(raws, how), "num": None, "den": None,
                         "points": round(aggregate((m[name]["points"] for _, m in members), how) or 0.0, 2)}
    return round(score, 2), metrics


def sort_key(score: float, metrics: Mapping[str, Mapping[str, Any]], rule: Mapping[str, Any], last: str) -> tuple:
    """The documented order as a key for ``sorted`` (ascending = better first); rows whose keys differ only in
    ``last`` are tied (see :func:`shared_ranks`)."""
    return (-round(score, 2), *(-(metrics[t]["points"] or 0.0) for t in rule["tie_break"]), last)


def shared_ranks(keys: Sequence[tuple]) -> list[int]:
    """Competition ranks (1, 1, 3) of rows already sorted by :func:`sort_key`: equal but for the last element
    (the listing order within a tie) is the same rank."""
    ranks: list[int] = []
    for i, key in enumerate(keys):
        ranks.append(ranks[-1] if i and key[:-1] == keys[i - 1][:-1] else i + 1)
    return ranks


def median(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(statistics.median(vals), 4) if vals else None
