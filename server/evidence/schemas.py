"""What the photo endpoints take in (a multipart form) and give out."""
from __future__ import annotations

import marshmallow as ma

from server.common.schemas import In, Out, QueryInt
from server.evidence.models import PURPOSES


class PhotoUploadForm(In):
    """The form fields WeChat's wx.uploadFile sends beside the file (``formData``)."""

    client_uuid = ma.fields.UUID(required=True)
    purpose = ma.fields.String(required=True, validate=ma.validate.OneOf(PURPOSES))
    claimed_time = ma.fields.AwareDateTime(metadata={"description": "when the phone says it was taken"})
    lat = ma.fields.Float(allow_nan=False, validate=ma.validate.Range(-90, 90))
    lng = ma.fields.Float(allow_nan=False, validate=ma.validate.Range(-180, 180))
    coord_system = ma.fields.String(load_default="wgs84", validate=ma.validate.OneOf(["wgs84", "gcj02"]))
    place_id = QueryInt(metadata={"description": "the place photographed, if any"})


def _a_file(value: object) -> None:
    if not hasattr(value, "read"):
        raise ma.ValidationError("应为上传的文件 (multipart 文件字段)")


class PhotoUpload(PhotoUploadForm):
    """The whole multipart body as wx.uploadFile sends it: the file (field ``file``) and the fields beside it."""

    file = ma.fields.Raw(required=True, validate=_a_file,
                         metadata={"type": "string", "format": "binary",
                                   "description": "the photo, byte for byte (JPEG, PNG, HEIC…)"})


class PhotoFlagOut(Out):
    code = ma.fields.String()
    message = ma.fields.String()
    detail = ma.fields.Dict()


class PhotoOut(Out):
    id = ma.fields.String(attribute="client_uuid", metadata={"description": "use it in photo_ids of records"})
    purpose = ma.fields.String()
    format = ma.fields.String()
    width = ma.fields.Integer()
    height = ma.fields.Integer()
    size = ma.fields.Integer()
    sha256 = ma.fields.String()
    exif_time = ma.fields.DateTime(allow_none=True)
    exif_location = ma.fields.Function(
        lambda p: {"lat": p.exif_lat, "lng": p.exif_lng} if p.exif_lat is not None else None)
    camera = ma.fields.String(allow_none=True)
    flags = ma.fields.List(ma.fields.Nested(PhotoFlagOut))
    attached_to = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    display_url = ma.fields.String(metadata={"description": "short-lived; ask again for a fresh one"})
    thumbnail_url = ma.fields.String()
