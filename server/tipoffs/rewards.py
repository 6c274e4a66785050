"""Rewards (举报奖励) for verified tip-offs: the county's decision, the payment, the ledger and its workbook, and the
tipster's contact revealed (audited) to pay an approved reward."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth.scope import Actor
from server.common.timeutil import local_day
from server.common.xlsx import Book
from server.config import Config
from server.errors import error, invalid
from server.hazards import queries as hazard_queries
from server.org.models import Area
from server.tipoffs.models import CATEGORIES, Tipoff, TipoffReward
from server.tipoffs.privacy import decrypt
from server.tipoffs.service import get_tipoff

# --- the tipster's contact, for a reward ------------------------------------------------------------------------------

def reveal_phone(session: Session, config: Config, actor: Actor, tipoff_id: int, *, reason: str) -> dict[str, Any]:
    """The tipster's phone and name in clear, for a county admin paying an approved reward; every reveal is an
    explicit audit entry (who, when, why, from where)."""
    actor.require("tipoff:reveal")
    tipoff = get_tipoff(session, actor, tipoff_id)
    reward = session.scalar(select(TipoffReward).where(TipoffReward.tipoff_id == tipoff.id))
    if reward is None or reward.decision != "approved":
        raise error("reward_not_approved")
    if tipoff.phone_cipher is None and tipoff.name_cipher is None:
        raise error("no_contact")
    shown = {"phone": decrypt(config, tipoff.phone_cipher) if tipoff.phone_cipher else None,
             "name": decrypt(config, tipoff.name_cipher) if tipoff.name_cipher else None}
    audit.record(session, "tipoffs.reveal_phone", "tipoffs", tipoff.id, area_id=tipoff.area_id,
                 summary={"reason": reason, "fields": [k for k, v in shown.items() if v is not None]})
    session.flush()
    return {"tipoff_id": tipoff.id, **shown}


# --- rewards (举报奖励) ---------------------------------------------------------------------------------------------------

REWARD_MAX_FEN = 100_000_000  # 1,000,000 yuan: far above any published scale, well inside an integer column


def is_verified(session: Session, tipoff: Tipoff) -> bool:
    """Converted into a hazard that was not found to be a non-hazard (不予认定)."""
    return tipoff.status == "converted" and tipoff.hazard_id is not None and hazard_queries.verified(
        session, tipoff.hazard_id)


def yuan_to_fen(amount: Decimal) -> int:
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise invalid("amount", "金额最多两位小数")
    return int(fen)


def decide_reward(session: Session, actor: Actor, tipoff_id: int, *, decision: str, amount: Decimal | None,
                  note: str | None, now: datetime) -> TipoffReward:
    """A county admin's decision on a verified tip-off: approved with an amount (yuan, two decimals at most), or
    declined.  One decision per tip-off."""
    actor.require("tipoff:reward")
    tipoff = get_tipoff(session, actor, tipoff_id)
    if not is_verified(session, tipoff):
        raise error("tipoff_not_verified")
    if session.scalar(select(TipoffReward.id).where(TipoffReward.tipoff_id == tipoff.id)) is not None:
        raise error("reward_already_decided")
    amount_fen = None
    if decision == "approved":
        if amount is None:
            raise invalid("amount", "批准奖励须填写金额")
        amount_fen = yuan_to_fen(amount)
        if not 0 < amount_fen <= REWARD_MAX_FEN:
            raise invalid("amount", f"金额须大于 0 且不超过 {REWARD_MAX_FEN // 100} 元")
    elif amount is not None:
        raise invalid("amount", "不予奖励时不填金额")
    reward = TipoffReward(tipoff_id=tipoff.id, area_id=tipoff.area_id, decision=decision, amount_fen=amount_fen,
                          note=note, decided_by_id=actor.user_id, decided_by_name=actor.display_name,
                          decided_at=now, decided_day=local_day(now))
    session.add(reward)
    session.flush()
    return reward


def mark_paid(session: Session, actor: Actor, tipoff_id: int, *, paid_on: date, note: str | None,
              now: datetime) -> TipoffReward:
    """The approved reward was paid on ``paid_on`` (a local day, not in the future nor before the decision)."""
    actor.require("tipoff:reward")
    tipoff = get_tipoff(session, actor, tipoff_id)
    reward = session.scalar(select(TipoffReward).where(TipoffReward.tipoff_id == tipoff.id))
    if reward is None or reward.decision != "approved":
        raise error("reward_not_approved", message="该举报没有已批准的奖励")
    if reward.paid_on is not None:
        raise error("reward_already_paid")
    if paid_on > local_day(now):
        raise invalid("paid_on", "发放日期不能晚于今天")
    if paid_on < reward.decided_day:
        raise invalid("paid_on", "发放日期不能早于批准日期")
    reward.paid_on, reward.paid_by_id, reward.paid_at, reward.paid_note = paid_on, actor.user_id, now, note
    session.flush()
    return reward


def period_of(day: date, period: str) -> str:
    if period == "year":
        return f"{day.year}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


@dataclass(frozen=True)
class LedgerRow:
    reward: TipoffReward
    tipoff: Tipoff
    township: str
    category_label: str


def ledger(session: Session, actor: Actor, *, start: date, end: date, period: str,
           decision: str | None = None) -> dict[str, Any]:
    """The rewards ledger of [start, end]: every reward decided or paid in the range (one query), and per period
    the approvals (count, amount) by decision day and the payments (count, amount) by the day paid."""
    actor.require("tipoff:reward")
    if start > end:
        raise invalid("end", "结束日期不能早于开始日期")
    stmt = (actor.filter_by_area(select(TipoffReward, Tipoff), TipoffReward.area_id)
            .join(Tipoff, Tipoff.id == TipoffReward.tipoff_id)
            .where(or_((TipoffReward.decided_day >= start) & (TipoffReward.decided_day <= end),
                       (TipoffReward.paid_on >= start) & (TipoffReward.paid_on <= end)))
            .order_by(TipoffReward.decided_day, TipoffReward.id))
    if decision:
        stmt = stmt.where(TipoffReward.decision == decision)
    pairs = session.execute(stmt).all()
    township_ids = {t.township_id for _, t in pairs if t.township_id}
    names = (dict(session.execute(select(Area.id, Area.name).where(Area.id.in_(township_ids))).all())
             if township_ids else {})
    rows = [LedgerRow(r, t, names.get(t.township_id, "") if t.township_id else "", CATEGORIES[t.category][1])
            for r, t in pairs]
    periods: dict[str, dict[str, int]] = {}

    def bucket(key: str) -> dict[str, int]:
        return periods.setdefault(key, {"approved": 0, "approved_fen": 0, "declined": 0, "paid": 0, "paid_fen": 0})

    for row in rows:
        r = row.reward
        if start <= r.decided_day <= end:
            b = bucket(period_of(r.decided_day, period))
            if r.decision == "approved":
                b["approved"] += 1
                b["approved_fen"] += r.amount_fen or 0
            else:
                b["declined"] += 1
        if r.paid_on is not None and start <= r.paid_on <= end:
            b = bucket(period_of(r.paid_on, period))
            b["paid"] += 1
            b["paid_fen"] += r.amount_fen or 0
    totals = {k: sum(p[k] for p in periods.values()) for k in ("approved", "approved_fen", "declined", "paid",
                                                                 "paid_fen")}
    unpaid = [row for row in rows if row.reward.decision == "approved" and row.reward.paid_on is None]
    return {"start": start, "end": end, "period": period, "rows": rows,
            "periods": [{"period": k, **v} for k, v in sorted(periods.items())], "totals": totals,
            "unpaid": len(unpaid), "unpaid_fen": sum(r.reward.amount_fen or 0 for r in unpaid)}


EXPORT_HEADER = ["举报编号", "乡镇(街道)", "举报类别", "举报日期", "隐患编号", "举报人", "联系电话", "决定", "金额(元)",
                 "决定日期", "决定人", "发放日期", "备注"]


def ledger_xlsx(session: Session, actor: Actor, *, start: date, end: date, period: str,
                decision: str | None = None) -> bytes:
    """The ledger as a workbook: one sheet of rewards (contacts masked), one of totals per period."""
    data = ledger(session, actor, start=start, end=end, period=period, decision=decision)
    book = Book()
    ws = book.sheet("奖励台账")
    ws.row([f"举报奖励台账 {start.isoformat()} 至 {end.isoformat()}"], bold=True)
    ws.row(EXPORT_HEADER, bold=True)
    for row in data["rows"]:
        r, t = row.reward, row.tipoff
        ws.row([t.id, row.township, row.category_label, t.received_day, t.hazard_id, t.name_masked or "匿名",
                   t.phone_masked or "", "批准" if r.decision == "approved" else "不予奖励",
                   float(Decimal(r.amount_fen) / 100) if r.amount_fen else None, r.decided_day, r.decided_by_name,
                   r.paid_on, r.note or ""])
    totals = book.sheet("分期合计")
    totals.row(["期间", "批准件数", "批准金额(元)", "不予奖励件数", "发放件数", "发放金额(元)"], bold=True)
    for p in data["periods"] + [{"period": "合计", **data["totals"]}]:
        totals.row([p["period"], p["approved"], p["approved_fen"] / 100, p["declined"], p["paid"],
                    p["paid_fen"] / 100])
    return book.to_bytes()
