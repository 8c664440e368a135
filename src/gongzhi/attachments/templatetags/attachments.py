"""``{% load attachments %}{% attachments_panel object %}``: the files of a row on its
page, with the upload form and delete buttons for those who may change them."""

from typing import Any

from django import template
from django.db import models

from gongzhi.core.errors import NotFoundOrForbidden

from .. import selectors
from ..views import panel

register = template.Library()


@register.inclusion_tag("attachments/_panel.html", takes_context=True)
def attachments_panel(context: dict[str, Any], owner: models.Model) -> dict[str, Any]:
    request = context["request"]
    try:
        selectors.attachments_for(request.user, owner)  # nothing for who may not see it
    except NotFoundOrForbidden:
        return {"hidden": True}
    return {**panel(request, owner), "request": request, "csrf_token": context.get("csrf_token")}
