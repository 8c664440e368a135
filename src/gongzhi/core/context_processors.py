from .modules import items_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_groups": []}
    groups: dict[str, list] = {}
    for item in items_for(user):
        groups.setdefault(str(item.group), []).append(item)
    return {"nav_groups": list(groups.items())}
