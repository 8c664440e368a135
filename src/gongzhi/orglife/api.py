"""The API of 组织生活: the same selectors, filters and services as the pages."""

from ninja import Router

router = Router(tags=["orglife"])
