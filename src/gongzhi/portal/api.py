"""The API of the residents' portal (for a future mini-program client): the same services
as the pages, under /api/v1/portal/, with a token from the phone sign-in."""

from ninja import Router

router = Router(tags=["portal"])
