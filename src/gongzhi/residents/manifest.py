"""Residents, care tags, floating population, rentals, the grid's responsibilities."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.modules import Manifest, NavItem, SearchKind

GROUP = _("网格与居民")
VIEW, RESPONSIBILITY = "residents.view_resident", "residents.manage_responsibility"

MANIFEST = Manifest(
    label="residents",
    order=40,
    urls="gongzhi.residents.urls",
    prefix="residents/",
    api=(
        ("/residents", "gongzhi.residents.api.router"),
        ("/rentals", "gongzhi.residents.api.rental_router"),
        ("/responsibilities", "gongzhi.residents.api.responsibility_router"),
        ("/coverage", "gongzhi.residents.api.coverage_router"),
        ("/grid-map", "gongzhi.residents.api.grid_map_router"),
    ),
    searches=(
        SearchKind("residents", _("居民"), VIEW, "gongzhi.residents.selectors.find", 10),
        SearchKind(
            "households",
            _("住户"),
            "areas.view_household",
            "gongzhi.residents.selectors.find_households",
            20,
        ),
    ),
    nav=(
        NavItem(_("居民"), "residents:list", VIEW, "people", GROUP, 210),
        NavItem(_("流动人口"), "residents:floating", VIEW, "person-walking", GROUP, 211),
        NavItem(_("出租房屋"), "residents:rental_list", VIEW, "key", GROUP, 212),
        NavItem(
            _("结对联系"),
            "residents:responsibility_index",
            RESPONSIBILITY,
            "link-45deg",
            GROUP,
            213,
        ),
        NavItem(_("覆盖情况"), "residents:coverage", RESPONSIBILITY, "clipboard-check", GROUP, 214),
        NavItem(_("网格地图"), "residents:grid_map", RESPONSIBILITY, "map", GROUP, 215),
        NavItem(
            _("入户清查导入"),
            "residents:import",
            "residents.change_resident",
            "file-earmark-arrow-up",
            GROUP,
            216,
        ),
        NavItem(_("关爱标签"), "residents:care_tags", "residents.manage_tags", "tags", GROUP, 217),
    ),
    demo="gongzhi.residents.demo",
    audit_labels={
        "residents.rental.saved": _("保存出租房屋"),
        "residents.resident.changed": _("修改居民信息"),
        "residents.resident.imported": _("批量导入居民"),
        "residents.resident.moved": _("居民迁居"),
        "residents.resident.moved_out": _("居民迁出"),
        "residents.resident.photo_set": _("上传居民照片"),
        "residents.resident.photo_viewed": _("查看居民照片"),
        "residents.resident.registered": _("登记居民"),
        "residents.responsibility.removed": _("解除结对联系"),
        "residents.responsibility.set": _("设置结对联系"),
        "residents.tag.removed": _("移除关爱标签"),
        "residents.tag.set": _("设置关爱标签"),
        "residents.resident.pii_viewed": _("查看居民完整身份证号"),
    },
)
