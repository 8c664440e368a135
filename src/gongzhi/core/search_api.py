"""The header's search over the API: the same groups as the page (core.finder)."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from . import finder
from .api import ERRORS, ErrorOut, Text

router = Router(tags=["search"])


class HitOut(Schema):
    title: str
    detail: str
    url: str


class GroupOut(Schema):
    key: str
    label: str
    hits: list[HitOut]
    more: bool


class SearchFilters(Schema):
    q: Text(max_length=200) = ""  # type: ignore[valid-type]
    per_kind: int = Field(finder.GROUP_LIMIT, ge=1, le=finder.PAGE_LIMIT)


class SearchOut(Schema):
    query: str
    groups: list[GroupOut]


@router.get("", response={200: SearchOut, ERRORS: ErrorOut})
def search(request: HttpRequest, filters: Query[SearchFilters]) -> Any:
    """Residents, households, party members, demands and party organizations of the
    user's scope by name, pinyin initials or full pinyin, ID or phone tail, demand number
    or address; each kind the user may see, at most ``per_kind`` hits a kind (personal
    data masked)."""
    if not finder.kinds_for(request.user):
        raise HttpError(403, "forbidden")
    query = finder.normalize(filters.q)
    return {"query": query, "groups": finder.find(request.user, query, filters.per_kind)}
