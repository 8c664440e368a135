from typing import Any

from django.http import HttpRequest

from .modules import NavItem, items_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_groups": []}
    from .finder import kinds_for
    from .notifications import unread_count

    groups: dict[str, list[NavItem]] = {}
    for item in items_for(user):
        groups.setdefault(str(item.group), []).append(item)
    return {
        "nav_groups": list(groups.items()),
        # Counted when the page shows the bell (a callable: templates call it once).
        "unread_notifications": lambda: unread_count(user),
        # The header's search box, for users with a kind of record to search (core.finder).
        "header_search": bool(kinds_for(user)),
    }
