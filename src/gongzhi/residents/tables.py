"""Columns of the resident lists; each table drives both the page and its Excel export.

The ID number and phone are always masked in lists and exports (the full ID number is
shown on the resident's page after an audited request); children's names and sensitive
tags are masked for roles without residents.view_sensitive, on the page and in the file
alike, because both come from the same columns.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import pii
from gongzhi.core.tables import Column, Table

from . import selectors
from .choices import PoliticalStatus, Relation


def resident_table(user, today=None):
    """The resident table for ``user``: the masking depends on the role."""
    today = today or timezone.localdate()
    show_name = selectors.name_masker(user, today)
    # Labels translated once per table, not once per cell (an export has 100,000 rows).
    sexes = {"male": str(_("男")), "female": str(_("女"))}
    relations = {value: str(label) for value, label in Relation.choices}
    statuses = {value: str(label) for value, label in PoliticalStatus.choices}

    class ResidentTable(Table):
        columns = (
            Column("name", _("姓名"), show_name, link=True),
            Column("sex", _("性别"), lambda r: sexes.get(r.sex, "")),
            Column("age", _("年龄"), lambda r: r.age_on(today)),
            Column("id_masked", _("身份证号"), lambda r: r.id_number_masked),
            Column("phone_masked", _("联系电话"), lambda r: r.phone_masked),
            Column("address", _("住址"), lambda r: r.household.address),
            Column("relation", _("与户主关系"), lambda r: relations.get(r.relation, "")),
            Column(
                "political_status",
                _("政治面貌"),
                lambda r: statuses.get(r.political_status, ""),
            ),
            Column("floating", _("流动人口")),
            Column("origin", _("来源地")),
            Column("present", _("在住")),
            Column("tags", _("关爱标签"), lambda r: "、".join(selectors.visible_tags(user, r))),
        )

    return ResidentTable


def rental_table(user, today=None):
    show_name = selectors.name_masker(user, today)

    class RentalTable(Table):
        columns = (
            Column("household", _("出租房屋"), lambda r: r.household.address, link=True),
            Column("landlord_name", _("房东")),
            Column("landlord_phone", _("房东电话"), lambda r: pii.mask_phone(r.landlord_phone)),
            Column("starts_on", _("租期开始")),
            Column("ends_on", _("租期结束")),
            Column(
                "tenants", _("租客"), lambda r: "、".join(show_name(t) for t in r.tenants.all())
            ),
            Column("note", _("备注")),
        )

    return RentalTable
