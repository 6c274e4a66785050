"""Loading checklist versions from ``client_schema/checklists`` and checking a visit's answers against one."""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from jsonschema import Draft202012Validator
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from server.checklists.models import Checklist
from server.errors import ApiError, not_found

CHECKLIST_DIR = Path(__file__).resolve().parents[2] / "client_schema" / "checklists"
SCHEMA_FILE = CHECKLIST_DIR / "checklist.schema.json"
TEXT_MAX = 500


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))


def definition_problems(doc: Any) -> list[str]:
    """Everything wrong with a checklist definition: the JSON Schema, then what a schema cannot say."""
    problems = [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in _validator().iter_errors(doc)]
    if problems:
        return problems
    ids = [item["id"] for item in doc["items"]]
    problems += [f"duplicate item id {i}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for item in doc["items"]:
        hazard = item.get("hazard")
        if hazard is None:
            continue
        if item["answer"] == "yes_no" and not isinstance(hazard["when"], str):
            problems.append(f"{item['id']}: a yes_no item's hazard.when is \"yes\" or \"no\"")
        if item["answer"] == "number" and not isinstance(hazard["when"], dict):
            problems.append(f"{item['id']}: a number item's hazard.when is {{\"lt\"|\"gt\": n}}")
        if item["answer"] == "text":
            problems.append(f"{item['id']}: a text answer cannot make a hazard")
    return problems


@dataclass
class LoadReport:
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def load_directory(session: Session, directory: Path = CHECKLIST_DIR) -> LoadReport:
    """Load every ``*.json`` definition (except the schema).  A version already loaded must be byte-identical in
    meaning: changing a published version would silently change how old visits read, so it is refused."""
    report = LoadReport()
    for path in sorted(directory.glob("*.json")):
        if path.name == SCHEMA_FILE.name:
            continue
        doc = json.loads(path.read_text())
        problems = definition_problems(doc)
        if problems:
            raise ValueError(f"{path.name}: " + "; ".join(problems))
        digest = hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        existing = session.scalar(select(Checklist).where(Checklist.key == doc["id"],
                                                          Checklist.version == doc["version"]))
        label = f"{doc['id']}@{doc['version']}"
        if existing is not None:
            if existing.digest != digest:
                raise ValueError(f"{path.name}: {label} is already loaded with different content; bump the version")
            report.unchanged.append(label)
            continue
        session.add(Checklist(key=doc["id"], version=doc["version"], sector=doc["sector"], title=doc["title"],
                              definition=doc, digest=digest))
        report.loaded.append(label)
    session.flush()
    return report


def latest_query(sector: str | None = None) -> Select[Checklist]:
    newest = select(Checklist.key, func.max(Checklist.version).label("v")).group_by(Checklist.key).subquery()
    stmt = select(Checklist).join(newest, (Checklist.key == newest.c.key) & (Checklist.version == newest.c.v))
    if sector:
        stmt = stmt.where(Checklist.sector == sector)
    return stmt.order_by(Checklist.key)


def get_version(session: Session, key: str, version: int) -> Checklist:
    found = session.scalar(select(Checklist).where(Checklist.key == key, Checklist.version == version))
    if found is None:
        raise not_found("检查清单版本")
    return found


def versions(session: Session, key: str) -> Sequence[Checklist]:
    return session.scalars(select(Checklist).where(Checklist.key == key).order_by(Checklist.version)).all()


# --- answers ------------------------------------------------------------------------------------------------------

def is_general(session: Session, key: str) -> bool:
    """A general checklist (fire safety) fits a place of any sector.  What the newest version says holds for
    all versions: a phone still on an older version is not refused for a flag that version did not have yet."""
    newest = session.scalar(select(Checklist).where(Checklist.key == key).order_by(Checklist.version.desc()).limit(1))
    return bool(newest is not None and newest.definition.get("general"))


def fits(session: Session, checklist: Checklist, sector: str) -> bool:
    return checklist.sector == sector or is_general(session, checklist.key)


def require_fit(session: Session, checklist: Checklist, sector: str) -> None:
    """422 ``checklist_sector_mismatch`` for a checklist of another sector, unless it is general."""
    if not fits(session, checklist, sector):
        raise ApiError(422, "checklist_sector_mismatch", detail={
            "fields": {"checklist_id": [f"检查清单属于 {checklist.sector}, 场所属于 {sector}"]},
            "checklist_sector": checklist.sector, "place_sector": sector})


def fitting(session: Session, sector: str) -> list[Checklist]:
    """The newest version of each checklist that fits a place of ``sector``: its own sector's first, then the
    general ones."""
    found = [c for c in session.scalars(latest_query()) if c.sector == sector or c.definition.get("general")]
    return sorted(found, key=lambda c: (c.sector != sector, c.key))


@dataclass(frozen=True)
class Finding:
    """An answer that the checklist marks as a hazard.  ``text`` says what is wrong (the item's ``hazard.text``;
    for versions without one, the requirement marked as not met); ``note`` is what the member saw."""

    item_id: str
    text: str
    level: str
    category: str
    answer: Any
    note: str
    photo_ids: tuple[str, ...]
    requirement: str = ""

    @property
    def description(self) -> str:
        """The hazard's description: what is wrong, then what the member saw there."""
        return f"{self.text}。现场情况: {self.note}" if self.note else self.text


def problem_text(item: dict[str, Any]) -> str:
    return item["hazard"].get("text") or f"不符合要求: {item['text']}"


def _makes_hazard(item: dict[str, Any], value: Any) -> bool:
    hazard = item.get("hazard")
    if hazard is None or value is None or value == "na":
        return False
    when = hazard["when"]
    if isinstance(when, str):
        return value == when
    return ("lt" in when and value < when["lt"]) or ("gt" in when and value > when["gt"])


def check_answers(definition: dict[str, Any], answers: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Finding]]:
    """Answers as stored, and the findings they make; or 422 naming each bad answer as ``answers.<item id>``."""
    items = {item["id"]: item for item in definition["items"]}
    errors: dict[str, list[str]] = {}
    cleaned: list[dict[str, Any]] = []
    findings: list[Finding] = []
    seen: set[str] = set()

    def err(item_id: str, message: str) -> None:
        errors.setdefault(f"answers.{item_id}", []).append(message)

    for answer in answers:
        item_id = answer["item_id"]
        item = items.get(item_id)
        if item is None:
            err(item_id, "该版本检查清单中没有此检查项")
            continue
        if item_id in seen:
            err(item_id, "检查项重复作答")
            continue
        seen.add(item_id)
        value = answer.get("value")
        kind = item["answer"]
        if kind == "yes_no":
            if value not in ("yes", "no", "na"):
                err(item_id, "应为 yes、no 或 na")
                continue
        elif kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                err(item_id, "应为数字")
                continue
            if ("min" in item and value < item["min"]) or ("max" in item and value > item["max"]):
                err(item_id, f"应在 {item.get('min', '-∞')} 到 {item.get('max', '∞')} 之间")
                continue
        else:
            if not isinstance(value, str) or len(value) > TEXT_MAX:
                err(item_id, f"应为不超过 {TEXT_MAX} 字的文本")
                continue
        photos = tuple(answer.get("photo_ids") or ())
        if item.get("photo_required") and not photos:
            err(item_id, "此检查项需要拍照")
            continue
        note = (answer.get("note") or "").strip()
        cleaned.append({"item_id": item_id, "value": value, "note": note, "photo_ids": list(photos)})
        if _makes_hazard(item, value):
            findings.append(Finding(item_id, problem_text(item), item["hazard"]["level"], item["hazard"]["category"],
                                    value, note, photos, requirement=item["text"]))
    for item_id, item in items.items():
        if item_id not in seen and item.get("required", item["answer"] != "text") and f"answers.{item_id}" not in errors:
            err(item_id, "必答检查项未作答")
    if errors:
        raise ApiError(422, "checklist_answers_invalid", detail={"fields": errors})
    return cleaned, findings
