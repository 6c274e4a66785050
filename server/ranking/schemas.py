"""What the rankings take in and give out: queries, the rule, runs, board rows and "me"."""
from __future__ import annotations

from typing import Any

import marshmallow as ma

from server.common.schemas import In, Int, Out, QueryInt
from server.ranking.rules import LEVELS, METRICS


class RankingCountyQuery(In):
    county_id = QueryInt(metadata={"description": "the county (县) whose ranking: default the asker's own; needed "
                                                  "only when the asker's scope holds several counties"})


class RankingBoardQuery(RankingCountyQuery):
    level = ma.fields.String(load_default="member", validate=ma.validate.OneOf(LEVELS),
                             metadata={"description": "member | village | township"})
    township_id = QueryInt(metadata={"description": "only this township's rows (members: their own township)"})
    revision = QueryInt(validate=ma.validate.Range(min=1),
                        metadata={"description": "a published revision; default: the latest"})
    draft = ma.fields.Boolean(load_default=False, metadata={"description": "the draft (admins only)"})


class RankingExportQuery(RankingBoardQuery):
    pass


class RankingRevisionQuery(RankingCountyQuery):
    revision = QueryInt(validate=ma.validate.Range(min=1))


class RankingPosterQuery(RankingCountyQuery):
    township_id = QueryInt(metadata={"description": "a township's top and bottom members; without it the county's "
                                                    "townships"})
    revision = QueryInt(validate=ma.validate.Range(min=1))
    draft = ma.fields.Boolean(load_default=False)
    top = QueryInt(load_default=10, validate=ma.validate.Range(1, 30))
    bottom = QueryInt(load_default=5, validate=ma.validate.Range(0, 30))


class RankingPublishIn(In):
    revision = Int(validate=ma.validate.Range(min=1),
                   metadata={"description": "the revision to publish: omit for the first publication; a correction "
                                            "names the next revision (2, 3, ...) and gives a reason"})
    reason = ma.fields.String(validate=ma.validate.Length(max=500),
                              metadata={"description": "更正原因: required for revision 2 and later"})


class RankingRuleIn(In):
    rule = ma.fields.Dict(required=True, metadata={"description": "{title, aggregate: mean|median, tie_break: "
                                                                  "[metric...], metrics: {name: {weight, cap}}}"})
    note = ma.fields.String(validate=ma.validate.Length(max=255))


class RankingRuleMetricOut(Out):
    name = ma.fields.String()
    label = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "rate (0..1) or count"})
    penalty = ma.fields.Boolean()
    description = ma.fields.String()
    weight = ma.fields.Float(metadata={"description": "full marks (a penalty: the most it takes off)"})
    cap = ma.fields.Float(metadata={"description": "the raw value at which full marks are reached"})


UNMEASURED_TEXT = {
    "scale": "无可考核对象的比率指标(如网格内无场所、当月无到期任务)按本人其他比率指标的得分率计分, 不给满分; "
             "当月没有任何考核事项(无工作日、无场所、无任务)的网格员不参加排名。",
    "full": "无可考核对象的比率指标计满分。",
}
TIES_TEXT = "总分(保留两位小数)及并列排序指标得分都相同的并列同一名次, 下一名次顺延。"


class _RuleMetrics(ma.fields.Nested):
    """The rule's metrics with their labels, read from the stored rule document (documented as
    RankingRuleMetricOut)."""

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        doc = obj.document
        return [{"name": n, "label": m.label, "kind": m.kind, "penalty": m.penalty, "description": m.description,
                 **doc["metrics"][n]} for n, m in METRICS.items() if n in doc["metrics"]]


class RankingRuleOut(Out):
    version = ma.fields.Integer()
    title = ma.fields.Function(lambda r: r.document.get("title", ""))
    aggregate = ma.fields.Function(lambda r: r.document["aggregate"],
                                   metadata={"description": "how villages and townships are scored from members"})
    tie_break = ma.fields.Function(lambda r: r.document["tie_break"])
    unmeasured = ma.fields.Function(lambda r: r.document.get("unmeasured", "full"), metadata={
        "description": "what a rate with nothing to measure scores: scale (the member's share on the rates that "
                       "applied) | full (full marks, rules before version 2)"})
    explanation = ma.fields.Function(lambda r: UNMEASURED_TEXT[r.document.get("unmeasured", "full")] + TIES_TEXT,
                                     metadata={"description": "the rule's treatment of unmeasured rates, members "
                                                              "without duties and ties, in Chinese"})
    metrics = _RuleMetrics(RankingRuleMetricOut, many=True)
    document = ma.fields.Dict()
    digest = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    created_by = ma.fields.String()
    created_at = ma.fields.DateTime()


class RankingRunOut(Out):
    county_id = ma.fields.Integer(metadata={"description": "the county (县) the ranking belongs to"})
    month = ma.fields.String()
    revision = ma.fields.Integer(metadata={"description": "0: the draft"})
    status = ma.fields.String(metadata={"description": "draft | published"})
    rule_version = ma.fields.Integer()
    cutoff = ma.fields.Date(metadata={"description": "the last local day counted"})
    working_days = ma.fields.List(ma.fields.String())
    counts = ma.fields.Dict()
    digest = ma.fields.String(metadata={"description": "SHA-256 of the inputs (month, rule, working days, every "
                                                       "member's figures)"})
    computed_at = ma.fields.DateTime()
    published_at = ma.fields.DateTime(allow_none=True)
    published_by = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)


class RankingMonthOut(Out):
    month = ma.fields.String()
    revisions = ma.fields.List(ma.fields.Nested(RankingRunOut))
    draft = ma.fields.Nested(RankingRunOut, allow_none=True)


class RankingMedianOut(Out):
    raw = ma.fields.Float(allow_none=True)
    points = ma.fields.Float(allow_none=True)


class RankingMetricOut(Out):
    name = ma.fields.String()
    label = ma.fields.String()
    kind = ma.fields.String()
    penalty = ma.fields.Boolean()
    raw = ma.fields.Float(allow_none=True, metadata={"description": "a rate in 0..1 or a count; null: nothing to "
                                                                    "measure (full marks)"})
    num = ma.fields.Integer(allow_none=True)
    den = ma.fields.Integer(allow_none=True)
    points = ma.fields.Float()
    full_marks = ma.fields.Float()
    cap = ma.fields.Float()


class RankingMetricWithMedianOut(RankingMetricOut):
    township_median = ma.fields.Nested(RankingMedianOut)


class RankingEntryOut(Out):
    level = ma.fields.String()
    rank = ma.fields.Integer(metadata={"description": "in the county, among rows of the level"})
    township_rank = ma.fields.Integer(allow_none=True)
    user_id = ma.fields.Integer(allow_none=True)
    username = ma.fields.String(allow_none=True)
    name = ma.fields.String()
    area_id = ma.fields.Integer()
    grid_name = ma.fields.String(allow_none=True)
    village_id = ma.fields.Integer(allow_none=True)
    village_name = ma.fields.String(allow_none=True)
    township_id = ma.fields.Integer()
    township_name = ma.fields.String()
    members = ma.fields.Integer()
    score = ma.fields.Float()
    metrics = ma.fields.List(ma.fields.Nested(RankingMetricOut))


class RankingChangeOut(Out):
    month = ma.fields.String()
    revision = ma.fields.Integer()
    previous_rank = ma.fields.Integer()
    previous_township_rank = ma.fields.Integer(allow_none=True)
    previous_score = ma.fields.Float()
    rank = ma.fields.Integer(metadata={"description": "places gained in the county (positive: moved up)"})
    township_rank = ma.fields.Integer(allow_none=True)
    score = ma.fields.Float()


class RankingMeOut(Out):
    """Always an answer for an existing month: ranked (every field), not_published, or not_ranked (why)."""

    month = ma.fields.String()
    status = ma.fields.String(metadata={"description": "ranked | not_published | not_ranked"})
    reason = ma.fields.String(metadata={"description": "not_ranked: no_duties (nothing was asked of me that "
                                                      "month) | not_listed (not a member of a grid then)"})
    message = ma.fields.String(metadata={"description": "not_published, not_ranked: what to tell the member"})
    revision = ma.fields.Integer()
    rule_version = ma.fields.Integer()
    published_at = ma.fields.DateTime()
    name = ma.fields.String()
    grid_name = ma.fields.String(allow_none=True)
    township_id = ma.fields.Integer()
    township_name = ma.fields.String()
    rank = ma.fields.Integer()
    members = ma.fields.Integer()
    township_rank = ma.fields.Integer()
    township_members = ma.fields.Integer()
    score = ma.fields.Float()
    township_median_score = ma.fields.Float(allow_none=True)
    metrics = ma.fields.List(ma.fields.Nested(RankingMetricWithMedianOut))
    change = ma.fields.Nested(RankingChangeOut, allow_none=True, metadata={"description": "null: not ranked last month"})
