from gongzhi.accounts.roles import Role

VIEW_ORG = "party.view_organization"
CHANGE_ORG = "party.change_organization"
VIEW_MEMBER = "party.view_member"
CHANGE_MEMBER = "party.change_member"
VIEW_MEMBER_PII = "party.view_member_pii"  # full ID number; every view audited
MANAGE_TRANSFER = "party.manage_transfer"

_ALL = {VIEW_ORG, CHANGE_ORG, VIEW_MEMBER, CHANGE_MEMBER, VIEW_MEMBER_PII, MANAGE_TRANSFER}

GRANTS = {
    Role.DISTRICT_ADMIN: _ALL,
    Role.STREET_ADMIN: _ALL,
    Role.COMMUNITY_SECRETARY: _ALL,
    Role.COMMUNITY_STAFF: {VIEW_ORG, VIEW_MEMBER, CHANGE_MEMBER, MANAGE_TRANSFER},
    Role.BRANCH_SECRETARY: {VIEW_ORG, VIEW_MEMBER, CHANGE_MEMBER, MANAGE_TRANSFER},
    Role.GRID_WORKER: {VIEW_ORG},
}
