"""Who may do what in 在职党员与志愿服务, granted on the subtree of each role assignment.

An in-service member (or a resident who volunteers) holds no place-wide permission here:
they reach their own report, pairs, sign-ups, hours and ratings through the rows' owner
relations, and they take part (sign up, check in, claim a wish) with ``TAKE_PART``."""

from gongzhi.accounts.roles import Role

VIEW = "service.view_service"
CHANGE = "service.change_service"  # confirm reports, pair, teams, activities, hours, wishes
RATE = "service.rate_member"  # 三级评议: enter a level's rating
TAKE_PART = "service.take_part"  # sign up, check in, claim, enter own hours
REPORT = "service.feedback_report"  # generate the employer feedback reports

GRANTS = {
    Role.DISTRICT_ADMIN: {VIEW, CHANGE, RATE, REPORT},
    Role.STREET_ADMIN: {VIEW, CHANGE, RATE, REPORT},
    Role.COMMUNITY_SECRETARY: {VIEW, CHANGE, RATE, REPORT, TAKE_PART},
    Role.COMMUNITY_STAFF: {VIEW, CHANGE, RATE, TAKE_PART},
    Role.GRID_WORKER: {VIEW, RATE, TAKE_PART},
    Role.INSERVICE_MEMBER: {TAKE_PART},
    Role.RESIDENT: {TAKE_PART},
}
