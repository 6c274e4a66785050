"""The hazards' documents: the XLSX export of a filtered list and the printable rectification order
(责令限期整改指令书, a Jinja template kept in this module so that it ships with the code that renders it)."""
from __future__ import annotations

from datetime import date

from jinja2 import Environment
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.auth.scope import Actor
from server.common.vocab import SECTORS
from server.common.xlsx import Book
from server.errors import ApiError, not_found
from server.hazards.models import (
    LEVEL_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    SUPERVISION_LABELS,
    Hazard,
    HazardSupervision,
)
from server.hazards.queries import Filters, _filtered
from server.hazards.service import get_hazard
from server.org.models import Area, township_id_of, township_of
from server.places.models import Place

# --- the XLSX export --------------------------------------------------------------------------------------------------

EXPORT_MAX_ROWS = 100_000
EXPORT_HEADER = ["编号", "发现日期", "乡镇(街道)", "网格", "场所", "行业领域", "隐患类别", "隐患等级", "隐患描述", "来源",
                 "状态", "整改期限", "逾期天数", "整改完成日期", "销号日期", "挂牌督办"]


def export_xlsx(session: Session, actor: Actor, filters: Filters, today: date, escalation_days: int) -> bytes:
    """The filtered list as a workbook (write-only mode: a county year fits in memory and in seconds)."""
    supervision = HazardSupervision.__table__
    count = session.scalar(_filtered(session, actor, select(func.count(Hazard.id)).select_from(Hazard), filters, today,
                                     escalation_days)) or 0
    if count > EXPORT_MAX_ROWS:
        raise ApiError(422, "export_too_large", f"导出行数 {count} 超过上限 {EXPORT_MAX_ROWS}, 请缩小筛选范围",
                       {"rows": count, "max": EXPORT_MAX_ROWS})
    stmt = select(Hazard.id, Hazard.found_day, Hazard.area_id, Area.path, Area.name, Place.name, Hazard.sector,
                  Hazard.category, Hazard.level, Hazard.description, Hazard.source, Hazard.status, Hazard.deadline,
                  Hazard.rectified_day, Hazard.closed_day, supervision.c.level).select_from(Hazard)
    rows = session.execute(
        _filtered(session, actor, stmt, filters, today, escalation_days)
        .outerjoin(Place, Place.id == Hazard.place_id)
        .outerjoin(supervision, supervision.c.hazard_id == Hazard.id).order_by(Hazard.id)).all()
    township_ids = {t for t in (township_id_of(r.path) for r in rows) if t is not None}
    townships = {i: n for i, n in session.execute(select(Area.id, Area.name).where(Area.id.in_(township_ids)))}

    book = Book()
    ws = book.sheet("隐患清单")
    ws.title(f"隐患清单 (导出于 {today.isoformat()}, 共 {len(rows)} 条)")
    ws.row(EXPORT_HEADER, bold=True)
    for r in rows:
        township = townships.get(township_id_of(r.path) or 0)
        overdue = (today - r.deadline).days if r.status == "ordered" and r.deadline and r.deadline < today else 0
        ws.row([r.id, r.found_day, township or "", r.name, r[5] or "", SECTORS.get(r.sector, r.sector),
                   r.category, LEVEL_LABELS[r.level], r.description, SOURCE_LABELS.get(r.source, r.source),
                   STATUS_LABELS[r.status], r.deadline, overdue or None, r.rectified_day, r.closed_day,
                   SUPERVISION_LABELS.get(r[15], "") if r[15] else ""])
    return book.to_bytes()


# --- the printable rectification order (责令限期整改指令书) -------------------------------------------------------------

def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def order_html(session: Session, actor: Actor, hazard_id: int, round_no: int | None = None) -> str:
    """The order as a printable A4 page, in Chinese, with the particulars the paper document carries."""
    hazard = get_hazard(session, actor, hazard_id)
    chosen = [o for o in hazard.orders if round_no is None or o.round == round_no]
    if not chosen:
        raise not_found("整改指令书")
    issued = chosen[-1]
    township = township_of(hazard.area) or hazard.area
    place = hazard.place
    addressee = place.name if place else (hazard.responsible_party or "被检查单位")
    address = (place.address if place else None) or hazard.address
    return Environment(autoescape=True).from_string(TEMPLATE).render(
        order=issued, hazard=hazard, place=place, township=township, addressee=addressee, address=address,
        level_label=LEVEL_LABELS[hazard.level], sector_label=SECTORS.get(hazard.sector, hazard.sector),
        found_day=_cn_date(hazard.found_day), deadline=_cn_date(issued.deadline),
        issued_day=_cn_date(issued.issued_day), rounds=len(hazard.orders))


TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>责令限期整改指令书 {{ order.number }}</title>
<style>
  /* One A4 sheet for a normal order: 12pt (小四) type, and borders drawn inside the table's box so that the right
     edge is not cut off at the printable width (a collapsed border straddles the edge by half its width). */
  @page { size: A4; margin: 20mm 18mm 18mm 22mm; }
  body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei", serif; font-size: 12pt;
         line-height: 1.5; color: #000; max-width: 170mm; margin: 0 auto; overflow-wrap: anywhere; }
  h1 { font-size: 20pt; text-align: center; letter-spacing: 0.2em; margin: 0 0 3mm; }
  p { margin: 0 0 2mm; }
  .issuer { text-align: center; font-size: 14pt; margin: 0; }
  .number { text-align: right; margin: 1mm 0 4mm; }
  table { width: 100%; table-layout: fixed; border-collapse: separate; border-spacing: 0;
          border-top: 1px solid #000; border-left: 1px solid #000; }
  th, td { border-right: 1px solid #000; border-bottom: 1px solid #000; padding: 1.2mm 2.5mm; vertical-align: top;
           text-align: left; white-space: pre-line; }
  th { width: 27mm; white-space: nowrap; font-weight: normal; }
  tr { break-inside: avoid; }
  .deadline { font-weight: bold; }
  .notice { text-indent: 2em; margin: 3mm 0 4mm; }
  .signatures { display: flex; justify-content: space-between; margin-top: 8mm; break-inside: avoid; }
  .signatures div { width: 48%; }
  .seal { text-align: right; margin-top: 6mm; break-inside: avoid; }
  .toolbar { margin: 6mm 0; text-align: center; }
  @media print {
    .toolbar { display: none; }
    body { max-width: none; }
  }
</style>
</head>
<body>
<div class="toolbar"><button onclick="window.print()">打印</button></div>
<p class="issuer">{{ township.name }}</p>
<h1>责令限期整改指令书</h1>
<p class="number">文书编号: {{ order.number }}{% if order.round > 1 %} (第{{ order.round }}次责令整改){% endif %}</p>

<p>{{ addressee }}:</p>
<p class="notice">经检查, 你单位存在下列安全生产事故隐患。根据《中华人民共和国安全生产法》等有关规定,
  现责令你单位于<span class="deadline">{{ deadline }}</span>前按下列措施整改完毕, 并将整改情况报告我单位。
  逾期未整改或整改不到位的, 将依法予以处理。</p>

<table>
  <tr><th>被检查单位</th><td>{{ addressee }}</td></tr>
  <tr><th>地址</th><td>{{ address or "—" }}</td></tr>
  <tr><th>行业领域</th><td>{{ sector_label }}</td></tr>
  <tr><th>隐患编号</th><td>{{ hazard.id }}</td></tr>
  <tr><th>发现日期</th><td>{{ found_day }}</td></tr>
  <tr><th>隐患等级</th><td>{{ level_label }}</td></tr>
  <tr><th>隐患类别</th><td>{{ hazard.category }}</td></tr>
  <tr><th>隐患描述</th><td>{{ hazard.description }}</td></tr>
  <tr><th>整改措施</th><td>{{ order.measures }}</td></tr>
  <tr><th>整改期限</th><td class="deadline">{{ deadline }}</td></tr>
  <tr><th>整改责任人</th><td>{{ order.responsible_person }}</td></tr>
</table>

<div class="signatures">
  <div>签发人: {{ order.issued_by_name }}<br>签发日期: {{ issued_day }}</div>
  <div>被检查单位负责人(签收):<br>签收日期: &emsp;&emsp;年&emsp;月&emsp;日</div>
</div>
<p class="seal">{{ township.name }}(盖章)<br>{{ issued_day }}</p>
</body>
</html>
"""
