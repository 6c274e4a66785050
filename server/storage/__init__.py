"""Object storage: the interface, a local-folder backend and an S3 (MinIO) backend."""
from __future__ import annotations

from pathlib import Path

from server.config import Config
from server.storage.base import (ObjectInfo, ObjectNotFound, ObjectStore, ObjectStoreError, ObjectStoreUnavailable,
                                 check_key)
from server.storage.local import LocalObjectStore
from server.storage.s3 import S3ObjectStore

__all__ = ["ObjectInfo", "ObjectNotFound", "ObjectStore", "ObjectStoreError", "ObjectStoreUnavailable", "check_key",
           "LocalObjectStore", "S3ObjectStore", "make_store"]


def make_store(config: Config) -> ObjectStore:
    if config.store == "local":
        return LocalObjectStore(Path(config.store_dir), public_url=config.public_url,
                                signing_key=config.url_signing_key)
    if config.store == "s3":
        store = S3ObjectStore(config.s3_endpoint, config.s3_access_key, config.s3_secret_key, config.s3_bucket,
                              secure=config.s3_secure, region=config.s3_region)
        store.ensure_bucket()
        return store
    raise ValueError(f"GRIDPATROL_STORE must be 'local' or 's3', not {config.store!r}")
