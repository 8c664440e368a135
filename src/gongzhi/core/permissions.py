from gongzhi.accounts.roles import Role

VIEW_AUDITLOG = "core.view_auditlog"
CHANGE_HOLIDAY = "core.change_holiday"

GRANTS = {
    Role.DISTRICT_ADMIN: {CHANGE_HOLIDAY},
    Role.AUDITOR: {VIEW_AUDITLOG},
}
