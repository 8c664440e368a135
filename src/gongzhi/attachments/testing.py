"""Attachments for tests and the cross-scope walk (tests/test_cross_scope.py): a file on
a row of every model that takes them, in each community, through the service."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from . import services
from .owners import owner_models, policy_of


def png_bytes(size: tuple[int, int] = (40, 30), color: str = "teal") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def _first_row(model, path):
    field = model.scope.paths[0]
    return model._base_manager.filter(**{f"{field}__under": path}).order_by("pk").first()


def cross_scope_rows(fx) -> None:
    """An image and a text file on the first row of every owner model in each community
    (the walk needs the sibling's rows; the sibling's carry its name)."""
    admin = fx.world.users["superuser"]
    for model in owner_models():
        kinds = policy_of(model).kinds
        for community, marker in ((fx.world.ours, "和顺"), (fx.world.sibling, "邻里社区")):
            owner = _first_row(model, community.community.path)
            if owner is None:
                continue
            services.attach(
                owner,
                [upload(f"{marker}现场.png", png_bytes())],
                actor=admin,
                kind=kinds[0],
                caption=f"{marker}照片",
            )
            if len(kinds) > 1:
                services.attach(
                    owner,
                    [upload(f"{marker}说明.txt", f"{marker}情况说明".encode())],
                    actor=admin,
                    kind=kinds[-1],
                )


def cross_scope_change(fx) -> None:
    """A new file on the sibling's rows, marked."""
    admin = fx.world.users["superuser"]
    for model in owner_models():
        owner = _first_row(model, fx.world.sibling.community.path)
        if owner is not None and "document" in policy_of(model).kinds:
            services.attach(
                owner,
                [upload(f"{fx.mark}.txt", fx.mark.encode())],
                actor=admin,
                kind="document",
                caption=fx.mark,
            )
