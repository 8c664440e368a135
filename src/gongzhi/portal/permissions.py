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
