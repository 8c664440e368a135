"""The header's one search box: every kind of record the modules declare
(``Manifest.searches``, :class:`gongzhi.core.modules.SearchKind`), each searched by its
own module's selector in the user's scope, grouped by kind. Core knows no module: it
asks each declared kind the user may see for a few hits."""

import unicodedata
from dataclasses import dataclass

from . import modules
from .types import Visitor

MAX_QUERY = 50
GROUP_LIMIT = 5  # hits a group shows in the header's drop-down
PAGE_LIMIT = 50  # hits a group shows on the full results page


@dataclass(frozen=True)
class Hit:
    """One found record: what it is called, a line about it (personal data masked, as
    in every list) and its detail page."""

    title: str
    detail: str
    url: str


def detail(*parts: str) -> str:
    """A hit's line from the parts a record has: ``地址 · 138****5678 · 5101**…``."""
    return " · ".join(part for part in parts if part)


@dataclass(frozen=True)
class Group:
    key: str
    label: str  # in the request's language
    hits: list[Hit]
    more: bool  # the kind has more hits than shown


def normalize(query: str) -> str:
    """The query as searched: full-width forms folded (an IME's digits and letters),
    spaces trimmed, at most ``MAX_QUERY`` characters."""
    return unicodedata.normalize("NFKC", query or "").strip()[:MAX_QUERY]


def kinds_for(user: Visitor) -> list[modules.SearchKind]:
    """The declared kinds ``user`` may search: those whose permission they hold somewhere."""
    if not user.is_authenticated:
        return []
    return [kind for kind in modules.search_kinds() if user.has_perm(kind.permission)]


def find(user: Visitor, query: str, limit: int = GROUP_LIMIT) -> list[Group]:
    """Up to ``limit`` hits of each kind ``user`` may search, the kinds with hits only."""
    query = normalize(query)
    if not query:
        return []
    groups = []
    for kind in kinds_for(user):
        hits = list(kind.find(user, query, limit + 1))
        if hits:
            groups.append(Group(kind.key, str(kind.label), hits[:limit], len(hits) > limit))
    return groups
