"""Where attachment files live: Django's storage API, alias ``attachments`` of
``settings.STORAGES``.

By default :class:`LocalStorage`, files under ``$GONGZHI_VAR_DIR/attachments/`` (files
600, folders 700), never under a static or public path; with ``GONGZHI_S3_BUCKET`` set,
private objects of an S3-compatible bucket (django-storages, settings.py). Either way a
file has no public address: it is read back only by Gongzhi's views, which check the
owner's scope and audit the download. Names are random (``2026/06/15/<32 hex>.jpg``),
never the user's file name, which is kept in the database only.
"""

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils import timezone

ALIAS = "attachments"


def storage() -> Storage:
    return storages[ALIAS]


def new_name(suffix: str, now: datetime | None = None) -> str:
    """A fresh random name in the day's folder (UTC): the orphan sweep reads by day."""
    day = (now or timezone.now()).astimezone(UTC)
    return f"{day:%Y/%m/%d}/{secrets.token_hex(16)}{suffix}"


def day_prefix(day: datetime) -> str:
    return f"{day:%Y/%m/%d}"


class LocalStorage(FileSystemStorage):
    """Files under the var directory, read from the settings when used (a test's or a
    command's ``VAR_DIR`` is honoured), readable by the service account only, and without
    a URL: ``url()`` refuses, so no template can link past the views."""

    def __init__(self, location: str | None = None, **kwargs: Any) -> None:
        super().__init__(
            location=location or None,
            base_url=None,
            file_permissions_mode=0o600,
            directory_permissions_mode=0o700,
        )

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(self._location or Path(settings.VAR_DIR) / ALIAS)

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise NotImplementedError("attachments are read only through Gongzhi's views")
