from gongzhi.accounts.roles import Role

VIEW_DUES = "dues.view_dues"
MANAGE_DUES = "dues.manage_dues"  # declare bases, record payments, run a month
APPROVE_REDUCTION = "dues.approve_reduction"  # the higher committee's approval

GRANTS = {
    Role.DISTRICT_ADMIN: {VIEW_DUES, MANAGE_DUES, APPROVE_REDUCTION},
    Role.STREET_ADMIN: {VIEW_DUES, MANAGE_DUES, APPROVE_REDUCTION},
    Role.COMMUNITY_SECRETARY: {VIEW_DUES, MANAGE_DUES, APPROVE_REDUCTION},
    Role.COMMUNITY_STAFF: {VIEW_DUES, MANAGE_DUES},
    Role.BRANCH_SECRETARY: {VIEW_DUES, MANAGE_DUES},
}
