"""Who may do what in 走访与帮扶, granted on the subtree of each role assignment.

A grid worker records visits in their grid and sees them; an in-service member records
visits to the households paired with them (``RECORD``) and sees their own visits through
the owner relation, not the community's."""

from gongzhi.accounts.roles import Role

VIEW = "visits.view_visit"
RECORD = "visits.record_visit"
CARE = "visits.manage_care"  # care tiers, care cases and help given

GRANTS = {
    Role.DISTRICT_ADMIN: {VIEW, RECORD, CARE},
    Role.STREET_ADMIN: {VIEW, RECORD, CARE},
    Role.COMMUNITY_SECRETARY: {VIEW, RECORD, CARE},
    Role.COMMUNITY_STAFF: {VIEW, RECORD, CARE},
    Role.GRID_WORKER: {VIEW, RECORD, CARE},
    Role.INSERVICE_MEMBER: {RECORD},
}
