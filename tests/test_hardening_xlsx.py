"""XLSX formula injection: text that starts like a formula (= + - @, a tab or a CR) is written as text by the one
workbook helper every export uses, so a spreadsheet never evaluates what a tipster or a member typed."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from server.common.xlsx import Book
from tests.patrol_helpers import local
from tests.test_hazards import Loop

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]
ROOT = Path(__file__).resolve().parents[1]


def cells(body: bytes) -> list[openpyxl.cell.Cell]:
    book = openpyxl.load_workbook(io.BytesIO(body))
    return [c for ws in book.worksheets for row in ws.iter_rows() for c in row]


@pytest.mark.parametrize("text", FORMULAS)
def test_the_workbook_helper_writes_formula_like_text_as_text(text):
    book = Book()
    book.sheet("测试").row(["名称", text])
    (cell,) = [c for c in cells(book.to_bytes()) if c.value not in ("名称", None)]
    assert cell.data_type == "s" and cell.value == text.replace("\r", "\n")  # XML keeps a CR as a line end


def test_a_hazard_description_that_looks_like_a_formula_is_exported_as_text(client, world, clock):
    clock.set(local(2026, 11, 23, 10, 0))
    loop = Loop(client, world)
    for text in FORMULAS[:4]:
        loop.create(description=text)
    resp = client.get("/api/v1/hazards/export.xlsx", headers=world.headers("county"))
    assert resp.status_code == 200
    written = {c.value: c.data_type for c in cells(resp.data) if c.value in FORMULAS}
    assert written == {t: "s" for t in FORMULAS[:4]}


def test_every_export_goes_through_the_one_helper():
    # openpyxl is imported by the helper (writing) and the places importer (reading) only
    users = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "server").rglob("*.py") if "openpyxl" in p.read_text())
    assert users == ["server/common/xlsx.py", "server/places/importer.py"]
