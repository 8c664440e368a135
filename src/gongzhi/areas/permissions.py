from gongzhi.accounts.roles import Role

VIEW_AREA = "areas.view_area"
CHANGE_AREA = "areas.change_area"  # create, edit, delete, import nodes
VIEW_HOUSEHOLD = "areas.view_household"
CHANGE_HOUSEHOLD = "areas.change_household"

_ALL = {VIEW_AREA, CHANGE_AREA, VIEW_HOUSEHOLD, CHANGE_HOUSEHOLD}

GRANTS = {
    Role.DISTRICT_ADMIN: _ALL,
    Role.STREET_ADMIN: _ALL,
    Role.COMMUNITY_SECRETARY: _ALL,
    Role.COMMUNITY_STAFF: _ALL,
    Role.GRID_WORKER: {VIEW_AREA, VIEW_HOUSEHOLD, CHANGE_HOUSEHOLD},
    Role.BRANCH_SECRETARY: {VIEW_AREA, VIEW_HOUSEHOLD},
    Role.UNIT_HANDLER: {VIEW_AREA},
    Role.INSERVICE_MEMBER: {VIEW_AREA},
}
