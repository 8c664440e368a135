from gongzhi.accounts.roles import Role

VIEW = "residents.view_resident"
CHANGE = "residents.change_resident"
VIEW_SENSITIVE = "residents.view_sensitive"  # full ID, photo, minors, health tags; audited
MANAGE_RESPONSIBILITY = "residents.manage_responsibility"
MANAGE_TAGS = "residents.manage_tags"  # the care tag list is one for the district

GRANTS = {
    Role.DISTRICT_ADMIN: {VIEW, CHANGE, VIEW_SENSITIVE, MANAGE_RESPONSIBILITY, MANAGE_TAGS},
    Role.STREET_ADMIN: {VIEW, CHANGE, VIEW_SENSITIVE, MANAGE_RESPONSIBILITY},
    Role.COMMUNITY_SECRETARY: {VIEW, CHANGE, VIEW_SENSITIVE, MANAGE_RESPONSIBILITY},
    Role.COMMUNITY_STAFF: {VIEW, CHANGE, VIEW_SENSITIVE, MANAGE_RESPONSIBILITY},
    Role.GRID_WORKER: {VIEW, CHANGE},
}
