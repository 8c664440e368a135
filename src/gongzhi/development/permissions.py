from gongzhi.accounts.roles import Role

VIEW_FILE = "development.view_file"
MANAGE_FILE = "development.manage_file"  # open files, record steps and reviews, end files
VIEW_FILE_PII = "development.view_file_pii"  # full ID number; every view audited

_ALL = {VIEW_FILE, MANAGE_FILE, VIEW_FILE_PII}

GRANTS = {
    Role.DISTRICT_ADMIN: _ALL,
    Role.STREET_ADMIN: _ALL,
    Role.COMMUNITY_SECRETARY: _ALL,
    Role.COMMUNITY_STAFF: {VIEW_FILE, MANAGE_FILE},
    Role.BRANCH_SECRETARY: {VIEW_FILE, MANAGE_FILE},
}
