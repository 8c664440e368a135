from .roles import Role

VIEW_USER = "accounts.view_user"
MANAGE_USER = "accounts.manage_user"

GRANTS = {
    Role.DISTRICT_ADMIN: {VIEW_USER, MANAGE_USER},
    Role.STREET_ADMIN: {VIEW_USER, MANAGE_USER},
    Role.COMMUNITY_SECRETARY: {VIEW_USER, MANAGE_USER},
}
