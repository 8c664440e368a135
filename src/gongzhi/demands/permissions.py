from gongzhi.accounts.roles import Role

VIEW = "demands.view_demand"
INTAKE = "demands.intake"  # record demands from any channel
DISPATCH = "demands.dispatch"  # classify, dispatch, reassign, follow up, close, merge, extensions
HANDLE = "demands.handle"  # accept, answer, return (unit handlers; community when self-handling)
SUPERVISE = "demands.supervise"  # 督办 by a higher level
MANAGE_SETUP = "demands.manage_setup"  # categories, routing rules, units
OWN = "demands.view_own"  # follow and rate the demands one raised (residents)

_STAFF = {VIEW, INTAKE, DISPATCH, HANDLE}

GRANTS = {
    Role.DISTRICT_ADMIN: _STAFF | {SUPERVISE, MANAGE_SETUP},
    Role.STREET_ADMIN: _STAFF | {SUPERVISE},
    Role.COMMUNITY_SECRETARY: _STAFF,
    Role.COMMUNITY_STAFF: _STAFF,
    Role.GRID_WORKER: {VIEW, INTAKE},
    Role.BRANCH_SECRETARY: {VIEW},
    # Unit handlers reach demands routed to their units (Unit.handlers), not an area.
    Role.UNIT_HANDLER: {HANDLE},
    Role.INSERVICE_MEMBER: {INTAKE, OWN},
    Role.RESIDENT: {OWN},
}
