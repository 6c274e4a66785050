"""The catalogue of error codes (server/errors.py CODES) holds every machine code the code base can answer with,
each with the statuses it is raised with, and the OpenAPI document publishes it."""
from __future__ import annotations

import ast
import json
from collections import defaultdict
from pathlib import Path

import pytest

import media.errors
from server.errors import _STATUS_CODES, CODES, translate_messages
from server.storage.local import SignedUrlRefused

ROOT = Path(__file__).resolve().parent.parent

# call → (index or keyword of the code, the status it answers with: an index, or a fixed status)
CALLS: dict[str, tuple[int | str, int | None]] = {
    "ApiError": (1, None), "error_response": (1, None), "conflict": (0, 409), "_unauthorized": (0, 401),
    "flush_or_conflict": (1, 409), "SignedUrlRefused": (0, 403), "error": (0, None),
}


def _raised() -> dict[str, set[tuple[int | None, str]]]:
    """{code: {(status or None, where)}} of every code written as a literal where an error is made."""
    found: dict[str, set[tuple[int | None, str]]] = defaultdict(set)
    for top in ("server", "media"):
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            where = str(path.relative_to(ROOT))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Dict):  # {"code": "...", ...}: errors of a sync item, of Open311
                    for key, value in zip(node.keys, node.values):
                        if (isinstance(key, ast.Constant) and key.value == "code" and isinstance(value, ast.Constant)
                                and isinstance(value.value, str)):
                            found[value.value].add((None, where))
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                keywords = {k.arg: k.value for k in node.keywords}
                if name == "invalid":
                    code = keywords.get("code") or (node.args[2] if len(node.args) > 2 else None)
                    found["validation_error" if code is None else getattr(code, "value", "?")].add((422, where))
                elif name == "_boundary_error":
                    code = node.args[1] if len(node.args) > 1 else keywords.get("code")
                    found["boundary_invalid" if code is None else getattr(code, "value", "?")].add((422, where))
                elif name in ("not_found", "forbidden"):
                    found[name].add((404 if name == "not_found" else 403, where))
                elif name in CALLS and not (name == "error" and isinstance(func, ast.Attribute)):  # log.error
                    index, status = CALLS[name]
                    args = node.args
                    if isinstance(index, int) and len(args) > index and isinstance(args[index], ast.Constant) \
                            and isinstance(args[index].value, str):
                        if status is None and isinstance(args[0], ast.Constant) and isinstance(args[0].value, int):
                            status = args[0].value
                        found[args[index].value].add((status, where))
    return found


def test_every_code_raised_anywhere_is_in_the_catalogue_with_its_status():
    raised = _raised()
    assert len(raised) > 60  # the scan found the code base's errors
    missing = {code: sorted(w for _, w in places)[:3] for code, places in raised.items() if code not in CODES}
    assert not missing, f"codes not in server/errors.py CODES: {missing}"
    wrong = {code: (status, where) for code, places in raised.items() for status, where in places
             if status is not None and status not in CODES[code][0]}
    assert not wrong, f"raised with a status the catalogue does not give: {wrong}"


def test_codes_made_outside_a_literal_call_are_in_the_catalogue_too():
    generic = {code for code, _message in _STATUS_CODES.values()}
    from_media = {cls.code for cls in vars(media.errors).values()
                  if isinstance(cls, type) and issubclass(cls, media.errors.MediaError) and hasattr(cls, "code")}
    assert from_media  # not_an_image, too_large, ...
    for code in generic | from_media | set(SignedUrlRefused.MESSAGES):
        assert code in CODES, code


def test_every_catalogued_code_has_a_status_and_a_chinese_message():
    for code, (statuses, message) in CODES.items():
        assert statuses and all(400 <= s < 600 for s in statuses), code
        assert message and any("\u4e00" <= ch <= "\u9fff" for ch in message), code


def test_the_openapi_document_publishes_the_catalogue(app):
    published = json.loads((ROOT / "client_schema" / "openapi.json").read_text(encoding="utf-8"))["x-error-codes"]
    assert published == {code: {"status": list(s), "message": m} for code, (s, m) in CODES.items()}
    assert published["hazard_changed"] == {"status": [409], "message": "该隐患刚被他人处理, 请刷新后重试"}


def test_no_call_site_repeats_the_catalogues_message():
    """A call site gives a message only when it says more than the catalogue's (ApiError takes the catalogue's)."""
    repeated = []
    for top in ("server", "media"):
        for path in (ROOT / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                at = {"ApiError": (1, 2), "conflict": (0, 1), "flush_or_conflict": (1, 2)}.get(name)
                if at is None or len(node.args) <= at[1]:
                    continue
                code, message = (getattr(node.args[i], "value", None) for i in at)
                if code in CODES and message == CODES[code][1]:
                    repeated.append(f"{path.relative_to(ROOT)}:{node.lineno} {code}")
    assert not repeated, repeated


@pytest.mark.parametrize(("english", "chinese"), [
    ("Must be greater than or equal to 0 and less than or equal to 10000.", "应在 0 到 10000 之间"),
    ("Must be greater than or equal to -90.0 and less than or equal to 90.0.", "应在 -90.0 到 90.0 之间"),
    ("Must be greater than or equal to 1.", "应不小于 1"),
    ("Must be less than or equal to 5.", "应不大于 5"),
    ("Must be greater than 0 and less than 10.", "应大于 0 且小于 10"),
    ("Length must be 3.", "长度须为 3"),
])
def test_range_and_length_messages_are_said_in_chinese(english, chinese):
    assert translate_messages({"f": [english]}) == {"f": [chinese]}


def test_a_number_out_of_range_is_refused_in_chinese_through_the_api(client, patrol_world, clock):
    from tests.patrol_helpers import local, publicity

    clock.set(local(2026, 11, 23, 10, 0))
    body = publicity(clock(), patrol_world.places["P1"].id, people_reached=20000)
    resp = client.post("/api/v1/publicity", headers=patrol_world.headers("m1"), json=body)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["detail"]["fields"]["people_reached"] == ["应在 0 到 10000 之间"]
