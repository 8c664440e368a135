"""Who may do what in 组织生活, granted on the subtree of each role assignment (a branch
secretary's on their organization's subtree, ADR 0008)."""

from gongzhi.accounts.roles import Role

VIEW = "orglife.view_meeting"
CHANGE = "orglife.change_meeting"  # plan, notify, hold, record, close; talks; study lines
EVALUATE = "orglife.run_evaluation"  # 民主评议: run the round, grades, corrections

_ALL = {VIEW, CHANGE, EVALUATE}

GRANTS = {
    Role.DISTRICT_ADMIN: _ALL,
    Role.STREET_ADMIN: _ALL,
    Role.COMMUNITY_SECRETARY: _ALL,
    Role.COMMUNITY_STAFF: {VIEW, CHANGE},
    Role.BRANCH_SECRETARY: _ALL,
}
