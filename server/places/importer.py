"""Bulk import of places from CSV or XLSX (批量导入).

A bad row never blocks the good ones: each row is checked on its own and reported by row number, field and a
Chinese message.  Rows are matched to existing places by natural key, and only rows whose values differ are
written, so re-importing the same file changes nothing.  Work is done in batches, streaming, so a 170,000-row
county file needs little memory.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth.scope import Actor
from server.common.geo import to_wgs84
from server.errors import ApiError
from server.org.models import Area
from server.org.spatial import spatial
from server.places import fields as F
from server.places.models import Place

BATCH = 5000
MAX_REPORTED_ERRORS = 1000

# header → field; the Chinese headers are what township spreadsheets use
HEADERS = {
    "name": "name", "名称": "name", "企业名称": "name", "场所名称": "name", "企业(场所)名称": "name",
    "credit_code": "credit_code", "统一社会信用代码": "credit_code", "信用代码": "credit_code",
    "sector": "sector", "行业领域": "sector", "行业": "sector",
    "risk_level": "risk_level", "风险等级": "risk_level",
    "address": "address", "地址": "address",
    "lat": "lat", "纬度": "lat",
    "lng": "lng", "经度": "lng",
    "coord_system": "coord_system", "坐标系": "coord_system",
    "grid_code": "grid_code", "网格编码": "grid_code", "area_code": "grid_code", "区域编码": "grid_code",
    "contact_name": "contact_name", "联系人": "contact_name",
    "contact_phone": "contact_phone", "联系电话": "contact_phone",
}
OUTSIDE_SCOPE = "该位置不在您辖区的任何网格内"
COMPARED = ("name", "credit_code", "sector", "risk_level", "address", "lat", "lng", "area_id", "contact_name",
            "contact_phone")


@dataclass
class RowError:
    row: int
    field: str
    message: str


@dataclass
class ImportReport:
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False
    file_sha256: str = ""
    dry_run: bool = False

    def add_error(self, row: int, field_name: str, message: str) -> None:
        self.failed += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, field_name, message))
        else:
            self.errors_truncated = True


class ImportFileError(ApiError):
    def __init__(self, message: str):
        super().__init__(422, "import_file_invalid", message, {"fields": {"file": [message]}})


# --- reading -----------------------------------------------------------------------------------------------------

def _decode_csv(raw: IO[bytes]) -> Iterator[list[str]]:
    head = raw.read(65536)
    raw.seek(0)
    # Excel on Chinese Windows saves CSV as GB18030; everything else is UTF-8 (often with a BOM)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            encoding = "gb18030"
    text = codecs.getreader(encoding)(raw, "strict")
    try:
        yield from csv.reader(text)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportFileError(f"CSV 文件无法读取: {exc}")


def _read_xlsx(raw: IO[bytes]) -> Iterator[list[str]]:
    from openpyxl import load_workbook
    try:
        wb = load_workbook(raw, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, xml and key errors for damaged files
        raise ImportFileError(f"XLSX 文件无法读取: {type(exc).__name__}")
    try:
        for values in wb.worksheets[0].iter_rows(values_only=True):
            yield ["" if v is None else (repr(v) if isinstance(v, float) else str(v)) for v in values]
    finally:
        wb.close()


def read_rows(raw: IO[bytes], filename: str) -> Iterator[list[str]]:
    magic = raw.read(4)
    raw.seek(0)
    if magic == b"PK\x03\x04":
        return _read_xlsx(raw)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise ImportFileError("文件扩展名是 xlsx 但内容不是 XLSX")
    return _decode_csv(raw)


def _columns(header: list[str]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        key = HEADERS.get(h.strip().lstrip("\ufeff"))
        if key and key not in cols:
            cols[key] = i
    if "name" not in cols or "sector" not in cols:
        raise ImportFileError("表头缺少必需的列: 名称(name) 和 行业领域(sector)")
    if "grid_code" not in cols and not ("lat" in cols and "lng" in cols):
        raise ImportFileError("表头需要 网格编码(grid_code) 或 纬度/经度(lat/lng)")
    return cols


# --- checking ----------------------------------------------------------------------------------------------------

@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    grid_code: str | None


def _check_row(number: int, cells: dict[str, str], report: ImportReport) -> _Row | None:
    try:
        name = F.clean_name(cells.get("name"))
        credit = F.clean_credit_code(cells.get("credit_code"))
        address = F.clean_text(cells.get("address"), "address", 255)
        values: dict[str, Any] = {
            "name": name,
            "credit_code": credit,
            "sector": F.clean_sector(cells.get("sector")),
            "risk_level": F.clean_risk_level(cells.get("risk_level")),
            "address": address,
            "contact_name": F.clean_text(cells.get("contact_name"), "contact_name", 64) or None,
            "contact_phone": F.clean_contact_phone(cells.get("contact_phone")),
            "natural_key": F.natural_key(credit, name, address),
            "lat": None,
            "lng": None,
        }
        lat, lng = (cells.get("lat") or "").strip(), (cells.get("lng") or "").strip()
        if lat or lng:
            try:
                values["lat"], values["lng"] = to_wgs84(lat, lng, (cells.get("coord_system") or "wgs84").strip().lower()
                                                        or "wgs84")
            except ApiError as exc:
                raise F.FieldProblem("lat", exc.message)
        grid_code = (cells.get("grid_code") or "").strip() or None
        if values["lat"] is None and grid_code is None:
            raise F.FieldProblem("lat", "需要经纬度或网格编码")
        return _Row(number, values, grid_code)
    except F.FieldProblem as problem:
        report.add_error(number, problem.field, problem.message)
        return None


def _batches(rows: Iterable[list[str]], cols: dict[str, int], report: ImportReport) -> Iterator[list[_Row]]:
    batch: list[_Row] = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header, as the spreadsheet numbers it
        if not any(c.strip() for c in row):
            continue
        report.total_rows += 1
        cells = {key: (row[i] if i < len(row) else "") for key, i in cols.items()}
        checked = _check_row(number, cells, report)
        if checked is not None:
            batch.append(checked)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


# --- placing and writing -----------------------------------------------------------------------------------------

class _Areas:
    """Area lookups for one import: by code, and whether the actor may write there (cached)."""

    def __init__(self, session: Session, actor: Actor):
        self.session = session
        self.actor = actor
        self.by_code: dict[str, tuple[int, str] | None] = {}
        self.path_by_id: dict[int, str] = {}

    def resolve_codes(self, codes: set[str]) -> None:
        missing = [c for c in codes if c not in self.by_code]
        if missing:
            for area_id, code, path in self.session.execute(
                    select(Area.id, Area.code, Area.path).where(Area.code.in_(missing))):
                self.by_code[code] = (area_id, path)
                self.path_by_id[area_id] = path
            for c in missing:
                self.by_code.setdefault(c, None)

    def path(self, area_id: int) -> str:
        if area_id not in self.path_by_id:
            self.path_by_id[area_id] = self.session.scalar(select(Area.path).where(Area.id == area_id)) or ""
        return self.path_by_id[area_id]


def _place_batch(session: Session, batch: list[_Row], areas: _Areas, report: ImportReport) -> list[_Row]:
    located = [r for r in batch if r.values["lat"] is not None]
    if located:
        ids = spatial(session).grids_at(np.array([r.values["lat"] for r in located]),
                                np.array([r.values["lng"] for r in located]))
        for row, grid_id in zip(located, ids.tolist()):
            row.values["area_id"] = grid_id if grid_id >= 0 else None
    areas.resolve_codes({r.grid_code for r in batch if r.grid_code and r.values.get("area_id") is None})
    placed = []
    for row in batch:
        if row.values.get("area_id") is None:
            if row.grid_code:
                hit = areas.by_code.get(row.grid_code)
                # another township's grid gets the answer of a code that does not exist: never confirm it exists
                if hit is None or not areas.actor.covers(hit[1]):
                    report.add_error(row.number, "grid_code", f"网格编码 {row.grid_code} 不存在或不在您的管辖范围内")
                    continue
                row.values["area_id"] = hit[0]
            else:
                report.add_error(row.number, "lat", OUTSIDE_SCOPE)
                continue
        elif not areas.actor.covers(areas.path(row.values["area_id"])):
            report.add_error(row.number, "lat", OUTSIDE_SCOPE)  # the same words as "no grid here"
            continue
        placed.append(row)
    return placed


def _write_batch(session: Session, rows: list[_Row], seen: dict[str, int], report: ImportReport,
                 dry_run: bool) -> None:
    unique: list[_Row] = []
    for row in rows:
        for key in (row.values["natural_key"], row.values["credit_code"] and f"ucc:{row.values['credit_code']}"):
            if key and key in seen and seen[key] != row.number:
                report.add_error(row.number, "name" if key.startswith("na:") else "credit_code",
                                 f"与第 {seen[key]} 行重复")
                break
        else:
            seen[row.values["natural_key"]] = row.number
            unique.append(row)
    if not unique:
        return
    keys = [r.values["natural_key"] for r in unique]
    cols = [getattr(Place, c) for c in COMPARED]
    existing = {
        r.natural_key: r for r in session.execute(
            select(Place.id, Place.natural_key, Place.deleted_at, *cols).where(Place.natural_key.in_(keys)))
    }
    inserts, updates = [], []
    for row in unique:
        old = existing.get(row.values["natural_key"])
        if old is None:
            inserts.append(row.values)
            continue
        changed = {c: row.values[c] for c in COMPARED if getattr(old, c) != row.values[c]}
        if changed or old.deleted_at is not None:
            updates.append({"pid": old.id, **{c: row.values[c] for c in COMPARED}, "deleted_at": None})
        else:
            report.unchanged += 1
    if not dry_run:
        if inserts:
            session.execute(insert(Place), inserts)
        if updates:
            session.connection().execute(
                update(Place).where(Place.__table__.c.id == bindparam("pid")), updates)
    report.created += len(inserts)
    report.updated += len(updates)


def import_places(session: Session, actor: Actor, raw: IO[bytes], filename: str, *, dry_run: bool = False) -> ImportReport:
    """Import one file; the caller commits.  Raises :class:`ImportFileError` only for a file that cannot be read
    at all (wrong format, no header); everything row-level goes into the report."""
    report = ImportReport(dry_run=dry_run)
    data = raw.read()
    report.file_sha256 = hashlib.sha256(data).hexdigest()
    rows = read_rows(io.BytesIO(data), filename)
    header = next(rows, None)
    if header is None:
        raise ImportFileError("文件为空")
    cols = _columns(header)
    areas = _Areas(session, actor)
    seen: dict[str, int] = {}
    for batch in _batches(rows, cols, report):
        _write_batch(session, _place_batch(session, batch, areas, report), seen, report, dry_run)
    if not dry_run and (report.created or report.updated):
        audit.record(session, "places.import", "places", None,
                     area_id=actor.area_ids[0] if actor.area_ids else None,
                     summary={"file": filename[:128], "sha256": report.file_sha256, "created": report.created,
                              "updated": report.updated, "unchanged": report.unchanged, "failed": report.failed})
    return report
