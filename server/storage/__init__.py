"""Object storage: the interface, a local-folder backend (the zero-setup default) and an S3 backend (``minio``)."""
from __future__ import annotations

from pathlib import Path

from server.common.timeutil import Clock, system_clock
from server.config import Config
from server.storage.base import (
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    ObjectStoreError,
    ObjectStoreUnavailable,
    check_key,
)
from server.storage.local import LocalObjectStore, SignedUrlRefused
from server.storage.s3 import S3ObjectStore

__all__ = ["ObjectInfo", "ObjectNotFound", "ObjectStore", "ObjectStoreError", "ObjectStoreUnavailable", "check_key",
           "LocalObjectStore", "S3ObjectStore", "SignedUrlRefused", "make_store"]


def make_store(config: Config, *, clock: Clock = system_clock) -> ObjectStore:
    """The store the configuration names.

    ``clock`` dates the local store's uploads and signed URLs; pass the app's clock so that tests moving it also
    move URL expiry.  S3 ignores it: there the S3 server's own clock judges URLs and stamps objects.
    """
    if config.store == "local":
        return LocalObjectStore(Path(config.store_dir), public_url=config.public_url,
                                signing_key=config.url_signing_key, clock=clock)
    if config.store == "s3":
        if not (config.s3_endpoint and config.s3_access_key and config.s3_secret_key):
            raise ValueError("GRIDPATROL_STORE=s3 needs GRIDPATROL_S3_ENDPOINT, _ACCESS_KEY and _SECRET_KEY")
        store = S3ObjectStore(config.s3_endpoint, config.s3_access_key, config.s3_secret_key, config.s3_bucket,
                              secure=config.s3_secure, region=config.s3_region,
                              connect_timeout=config.s3_connect_timeout, read_timeout=config.s3_read_timeout)
        store.ensure_bucket()
        return store
    raise ValueError(f"GRIDPATROL_STORE must be 'local' or 's3', not {config.store!r}")
