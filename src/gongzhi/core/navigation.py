"""The workbench navigation: one entry per built module, shown to users who may use it."""

import functools
from dataclasses import dataclass

from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str  # "" = any signed-in user
    icon: str
    group: str

    @property
    def url(self) -> str:
        return _reverse(self.url_name, get_script_prefix())


@functools.cache
def _reverse(url_name: str, script_prefix: str) -> str:
    """Every page shows the menu: reverse each entry once per script prefix (reverse()
    prepends the current one), not twice per entry on every page."""
    return reverse(url_name)


NAV = [
    NavItem(_("工作台"), "core:workbench", "", "speedometer2", _("概览")),
    NavItem(_("区域与网格"), "areas:tree", "areas.view_area", "diagram-3", _("网格与居民")),
    NavItem(
        _("住户"), "areas:household_list", "areas.view_household", "house-door", _("网格与居民")
    ),
    NavItem(_("区域导入"), "areas:import", "areas.change_area", "upload", _("网格与居民")),
    NavItem(_("居民"), "residents:list", "residents.view_resident", "people", _("网格与居民")),
    NavItem(
        _("流动人口"),
        "residents:floating",
        "residents.view_resident",
        "person-walking",
        _("网格与居民"),
    ),
    NavItem(
        _("出租房屋"), "residents:rental_list", "residents.view_resident", "key", _("网格与居民")
    ),
    NavItem(
        _("结对联系"),
        "residents:responsibility_index",
        "residents.manage_responsibility",
        "link-45deg",
        _("网格与居民"),
    ),
    NavItem(
        _("覆盖情况"),
        "residents:coverage",
        "residents.manage_responsibility",
        "clipboard-check",
        _("网格与居民"),
    ),
    NavItem(
        _("网格地图"),
        "residents:grid_map",
        "residents.manage_responsibility",
        "map",
        _("网格与居民"),
    ),
    NavItem(
        _("入户清查导入"),
        "residents:import",
        "residents.change_resident",
        "file-earmark-arrow-up",
        _("网格与居民"),
    ),
    NavItem(_("关爱标签"), "residents:care_tags", "residents.manage_tags", "tags", _("网格与居民")),
    NavItem(
        _("党组织"),
        "party:organization_tree",
        "party.view_organization",
        "diagram-2",
        _("党组织与党员"),
    ),
    NavItem(_("党员"), "party:member_list", "party.view_member", "person-badge", _("党组织与党员")),
    NavItem(
        _("党员预警"),
        "party:warnings",
        "party.view_member",
        "exclamation-triangle",
        _("党组织与党员"),
    ),
    NavItem(_("人才库"), "party:talent", "party.view_member", "stars", _("党组织与党员")),
    NavItem(
        _("组织关系转接"),
        "party:transfer_list",
        "party.manage_transfer",
        "arrow-left-right",
        _("党组织与党员"),
    ),
    NavItem(
        _("两委班子"),
        "party:cadre_overview",
        "party.view_organization",
        "people-fill",
        _("党组织与党员"),
    ),
    NavItem(_("党费"), "dues:ledger", "dues.view_dues", "cash-coin", _("党费与发展")),
    NavItem(
        _("发展党员"),
        "development:file_list",
        "development.view_file",
        "person-plus",
        _("党费与发展"),
    ),
    NavItem(_("诉求受理"), "demands:intake", "demands.intake", "inbox", _("民情诉求")),
    NavItem(_("诉求列表"), "demands:list", "demands.view_demand", "card-list", _("民情诉求")),
    NavItem(_("待办诉求"), "demands:inbox", "demands.handle", "list-check", _("民情诉求")),
    NavItem(_("督办"), "demands:supervision", "demands.supervise", "alarm", _("民情诉求")),
    NavItem(_("月度通报"), "demands:report", "demands.view_demand", "bar-chart", _("民情诉求")),
    NavItem(
        _("类别与分派"), "demands:categories", "demands.manage_setup", "diagram-3", _("民情诉求")
    ),
    NavItem(_("我的诉求"), "demands:mine", "demands.view_own", "chat-left-text", _("民情诉求")),
    NavItem(_("用户与角色"), "accounts:user_list", "accounts.view_user", "people", _("系统")),
    NavItem(_("节假日"), "core:holiday_list", "core.change_holiday", "calendar3", _("系统")),
    NavItem(_("审计日志"), "core:audit_list", "core.view_auditlog", "journal-text", _("系统")),
]


def items_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in NAV if not item.permission or user.has_perm(item.permission)]
