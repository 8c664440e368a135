"""Who may do what in the residents' portal, granted on the subtree of each role
assignment. Residents act on their own rows (their account, their demands)."""

from gongzhi.accounts.roles import Role

GRANTS: dict[str, set[str]] = {
    Role.DISTRICT_ADMIN: set(),
    Role.STREET_ADMIN: set(),
    Role.COMMUNITY_SECRETARY: set(),
    Role.COMMUNITY_STAFF: set(),
    Role.GRID_WORKER: set(),
}

VIEW_BINDING = "portal.view_binding"
DECIDE_BINDING = "portal.decide_binding"  # confirm or decline a household binding

GRANTS[Role.DISTRICT_ADMIN] |= {VIEW_BINDING}
GRANTS[Role.STREET_ADMIN] |= {VIEW_BINDING}
GRANTS[Role.COMMUNITY_SECRETARY] |= {VIEW_BINDING, DECIDE_BINDING}
GRANTS[Role.COMMUNITY_STAFF] |= {VIEW_BINDING, DECIDE_BINDING}
GRANTS[Role.GRID_WORKER] |= {VIEW_BINDING, DECIDE_BINDING}
