"""The flask-smorest Api, set up so that the OpenAPI document tells the truth about errors and auth."""
from __future__ import annotations

from typing import Any

from flask_smorest import Api as _Api
from flask_smorest.pagination import PaginationMetadataSchema

from server.errors import ErrorOut, catalogue, handle_http_exception


class Api(_Api):
    ERROR_SCHEMA = ErrorOut

    def handle_http_exception(self, error: Any) -> Any:  # flask-smorest registers this for every HTTPException
        return handle_http_exception(error)

    def _register_pagination_header(self) -> None:
        """X-Pagination as it is sent: one header whose value is JSON text (flask-smorest documents it as an
        object, which a generated client then tries to read as one)."""
        self.spec.components.header("PAGINATION", {
            "description": "JSON text of the page: `{\"total\", \"total_pages\", \"first_page\", \"last_page\", "
                           "\"page\", \"previous_page\", \"next_page\"}` (parse it with JSON.parse)",
            "content": {"application/json": {"schema": PaginationMetadataSchema, "example": {
                "total": 42, "total_pages": 5, "first_page": 1, "last_page": 5, "page": 1, "next_page": 2}}},
        }, lazy=True)


API_TITLE = "gridpatrol"
API_VERSION = "v1"

SPEC_OPTIONS: dict[str, Any] = {
    "info": {
        "description": (
            "网格化安全巡查 API — grid safety patrols of a county emergency management bureau.\n\n"
            "Every error answers `{\"code\", \"message\", \"detail\"}`: `code` is a stable machine code, `message` "
            "is Chinese for people, `detail.fields` names each invalid field. Objects outside the caller's area "
            "scope answer 404, the same as missing ones. Times are ISO 8601 UTC; days and months are Asia/Shanghai."
        ),
    },
    "components": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        },
    },
    "security": [{"bearerAuth": []}],
    "servers": [{"url": "/"}],
    "x-error-codes": catalogue(),  # the machine codes of the error answers: {code: {status, message}}
}

PUBLIC: dict[str, Any] = {"security": []}  # for @blp.doc(**PUBLIC) on endpoints that need no login
