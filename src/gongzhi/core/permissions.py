from gongzhi.accounts.roles import Role

VIEW_AUDITLOG = "core.view_auditlog"
CHANGE_HOLIDAY = "core.change_holiday"
CHANGE_PARAMETER = "core.change_parameter"

GRANTS = {
    Role.DISTRICT_ADMIN: {CHANGE_HOLIDAY, CHANGE_PARAMETER},
    Role.AUDITOR: {VIEW_AUDITLOG},
}
