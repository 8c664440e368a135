from .roles import Role

VIEW_USER = "accounts.view_user"
MANAGE_USER = "accounts.manage_user"
# Issue API tokens and use the API: the staff roles, not residents nor in-service members
# (who follow their own demands on the pages). A role-wide right, wherever it is held:
# User.may_use_api.
USE_API = "accounts.use_api"

GRANTS = {
    Role.DISTRICT_ADMIN: {VIEW_USER, MANAGE_USER, USE_API},
    Role.STREET_ADMIN: {VIEW_USER, MANAGE_USER, USE_API},
    Role.COMMUNITY_SECRETARY: {VIEW_USER, MANAGE_USER, USE_API},
    Role.COMMUNITY_STAFF: {USE_API},
    Role.GRID_WORKER: {USE_API},
    Role.BRANCH_SECRETARY: {USE_API},
    Role.UNIT_HANDLER: {USE_API},
    # An in-service member's own client (the mobile app to come): their wishes, sign-ups,
    # check-ins, hours and visits, exactly what their pages allow (ADR 0015).
    Role.INSERVICE_MEMBER: {USE_API},
    Role.AUDITOR: {USE_API},
}
