"""What a resumable upload takes and tells: the tus ``Upload-Metadata`` header and the upload's JSON state."""
from __future__ import annotations

import base64
import binascii

import marshmallow as ma

from server.common.schemas import Out
from server.evidence.schemas import PhotoUploadForm


class UploadMetadataIn(PhotoUploadForm):
    """``Upload-Metadata`` decoded: the same fields as ``POST /photos``' form, and the file's name."""

    filename = ma.fields.String(validate=ma.validate.Length(1, 255))


def parse_metadata(header: str) -> dict[str, str]:
    """tus ``Upload-Metadata``: comma-separated ``key base64(value)`` pairs (a key alone means an empty value).
    Raises :class:`ValueError` for a malformed header."""
    values: dict[str, str] = {}
    for pair in header.split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, encoded = pair.partition(" ")
        if not key or " " in encoded.strip() or key in values:
            raise ValueError(pair)
        try:
            values[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ValueError(pair) from None
    return values


class UploadOut(Out):
    id = ma.fields.String(attribute="token", metadata={"description": "the upload's id, the last segment of its URL"})
    client_uuid = ma.fields.String(metadata={"description": "the photo's id once complete"})
    purpose = ma.fields.String()
    filename = ma.fields.String(allow_none=True)
    length = ma.fields.Integer(metadata={"description": "Upload-Length"})
    offset = ma.fields.Integer(metadata={"description": "Upload-Offset: bytes received so far"})
    photo_id = ma.fields.String(attribute="photo_uuid", allow_none=True,
                                metadata={"description": "set once the last byte arrived and the photo was stored"})
    error = ma.fields.Dict(allow_none=True, metadata={"description": "why the complete bytes made no photo"})
    expires_at = ma.fields.DateTime()
    completed_at = ma.fields.DateTime(allow_none=True)
