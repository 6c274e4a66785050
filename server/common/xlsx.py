"""Workbooks (XLSX) and file answers: every export is written with ``Book`` and every file goes out through
``file_response``, so that text is never taken for a formula and every download names itself the same way.

A text value that a spreadsheet would read as a formula or a command (it starts with = + - @, a tab or a carriage
return: names, descriptions and notes typed by the public or the staff) is written as a text cell, never a
formula: the workbook shows what was typed and runs nothing.  Numbers, dates and empty cells are written as they
are."""
from __future__ import annotations

import io
from typing import Any, Iterable

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from server.storage.base import content_disposition

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = {"type": "string", "format": "binary"}  # the OpenAPI schema of a file answer (flask-smorest "File Response")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Sheet:
    """A write-only worksheet: rows go in one after another (a county year fits in memory and in seconds)."""

    def __init__(self, ws: WriteOnlyWorksheet):
        self.ws = ws

    def cell(self, value: Any, *, bold: bool = False, size: int | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text, whatever it starts with (openpyxl makes "=..." a formula)
        if bold or size:
            cell.font = Font(bold=bold, size=size)
        return cell

    def row(self, values: Iterable[Any], *, bold: bool = False, size: int | None = None) -> None:
        self.ws.append([self.cell(v, bold=bold, size=size) for v in values])

    def title(self, text: str, size: int = 13) -> None:
        self.row([text], bold=True, size=size)

    def freeze(self, top_left: str) -> None:
        """Keep the rows above and the columns left of ``top_left`` in view (before the first row: a write-only
        sheet writes its view with the first row)."""
        self.ws.freeze_panes = top_left


class Book:
    """A workbook of write-only sheets."""

    def __init__(self) -> None:
        self.wb = Workbook(write_only=True)

    def sheet(self, title: str) -> Sheet:
        return Sheet(self.wb.create_sheet(title))

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        self.wb.save(buf)
        return buf.getvalue()


def file_response(body: bytes | str, content_type: str, filename: str | None = None, *,
                  inline: bool = False) -> Response:
    """A file answer: the bytes with their content type and, with ``filename``, a Content-Disposition that keeps
    Chinese names (RFC 6266, ``storage.base.content_disposition``)."""
    response = Response(body, mimetype=content_type)
    if filename is not None:
        response.headers["Content-Disposition"] = content_disposition(filename, inline=inline)
    return response


def xlsx_response(body: bytes, filename: str) -> Response:
    return file_response(body, XLSX, filename)
