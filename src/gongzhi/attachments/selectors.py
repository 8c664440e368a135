"""Scoped reads of attachments. An attachment is reached only through its owner: the
owner is fetched through its own scope (``visible_rows(owner_model._default_manager,
user, perm)`` with the permission the owner declares in ``attachable``), so missing,
forbidden and "someone else's" answer alike (404)."""

from typing import Literal

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.core.scoping import visible_rows
from gongzhi.core.types import Visitor

from .models import Attachment
from .owners import is_attachable, policy_of

Access = Literal["view", "change"]


def owners_for(user: "Visitor | None", model: type[models.Model], access: Access) -> QuerySet:
    """The rows of an owner model whose files ``user`` may see (``view``) or change."""
    policy = policy_of(model)
    return visible_rows(model._default_manager, user, getattr(policy, access))


def get_owner(
    user: "Visitor | None", model: type[models.Model], pk: int, access: Access = "view"
) -> models.Model:
    owner = owners_for(user, model, access).filter(pk=pk).first()
    if owner is None:
        raise NotFoundOrForbidden()
    return owner


def may(user: "Visitor | None", owner: models.Model, access: Access) -> bool:
    """Whether ``user`` may see or change the files of ``owner`` (a row in hand)."""
    return owners_for(user, type(owner), access).filter(pk=owner.pk).exists()


def attachments_of(owner: models.Model) -> QuerySet[Attachment]:
    """The files of an owner the caller has fetched through its scope."""
    return (
        Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(owner, for_concrete_model=False),
            object_id=owner.pk,
        )
        .select_related("uploaded_by")
        .order_by("uploaded_at", "id")
    )


def attachments_for(user: "Visitor | None", owner: models.Model) -> QuerySet[Attachment]:
    """The files of ``owner`` for ``user``: none unless they may see the owner."""
    if not may(user, owner, "view"):
        raise NotFoundOrForbidden()
    return attachments_of(owner)


def visible_attachments(
    user: "Visitor | None", model: type[models.Model], access: Access = "view"
) -> QuerySet[Attachment]:
    """Every file of ``model``'s rows that ``user`` reaches: the owners' scope as a
    subquery, never a filter written again here."""
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id__in=owners_for(user, model, access).values("pk"),
    )


def get_attachment(user: "Visitor | None", pk: int, access: Access = "view") -> Attachment:
    """An attachment whose owner ``user`` may see (``view``) or change."""
    attachment = (
        Attachment.objects.select_related("uploaded_by", "content_type").filter(pk=pk).first()
    )
    if attachment is None:
        raise NotFoundOrForbidden()
    model = attachment.content_type.model_class()
    if model is None or not is_attachable(model):
        raise NotFoundOrForbidden()  # an owner model that is gone or no longer takes files
    if not owners_for(user, model, access).filter(pk=attachment.object_id).exists():
        raise NotFoundOrForbidden()
    return attachment


def owner_of(attachment: Attachment) -> models.Model:
    """The owner of an attachment fetched through :func:`get_attachment`."""
    model = attachment.content_type.model_class()
    assert model is not None
    return model._base_manager.get(pk=attachment.object_id)


def counts(owner: models.Model) -> tuple[int, int]:
    """(files, images) of ``owner``."""
    rows = attachments_of(owner).aggregate(
        files=models.Count("id"),
        images=models.Count("id", filter=models.Q(mime_type__startswith="image/")),
    )
    return rows["files"], rows["images"]
