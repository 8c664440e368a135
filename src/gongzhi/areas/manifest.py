"""The area tree and households."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem

GROUP = _("网格与居民")

MANIFEST = Manifest(
    label="areas",
    order=20,
    urls="gongzhi.areas.urls",
    prefix="areas/",
    api=(
        ("/areas", "gongzhi.areas.api.router"),
        ("/households", "gongzhi.areas.api.household_router"),
    ),
    nav=(
        NavItem(_("区域与网格"), "areas:tree", "areas.view_area", "diagram-3", GROUP, 200),
        NavItem(
            _("住户"), "areas:household_list", "areas.view_household", "house-door", GROUP, 201
        ),
        NavItem(_("区域导入"), "areas:import", "areas.change_area", "upload", GROUP, 202),
    ),
    audit_labels={
        "areas.area.created": _("新建区域"),
        "areas.area.changed": _("修改区域"),
        "areas.area.deleted": _("删除区域"),
        "areas.household.created": _("新建住户"),
        "areas.household.changed": _("修改住户"),
        "areas.household.deleted": _("删除住户"),
        "areas.import.completed": _("导入区域与住户"),
        "areas.import.rejected": _("区域导入未通过"),
    },
)
