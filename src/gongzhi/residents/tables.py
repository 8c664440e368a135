"""Columns of the resident lists; each table drives both the page and its Excel export.

The ID number and phone are always masked in lists and exports (the full ID number is
shown on the resident's page after an audited request); children's names and sensitive
tags are masked for roles without residents.view_sensitive, on the page and in the file
alike, because both come from the same columns.

The export of a street or a district (100,000 rows and more) fills the same columns from
plain value rows (:class:`ExportRow`) instead of model instances: no model, household or
related manager per row, and the care tags of all the rows in one query.
"""

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core import pii
from gongzhi.core.tables import Column, Table

from . import selectors
from .choices import PoliticalStatus, Relation
from .models import CareTag, Resident, ResidentTag


class _Household:
    __slots__ = ("address",)

    def __init__(self, address):
        self.address = address


class ExportRow:
    """What the resident columns read from a resident, made from one ``values_list`` row
    of ``FIELDS``; the derived values are the model's own methods."""

    FIELDS = (
        "id",
        "name",
        "sex",
        "birth_date",
        "id_head",
        "id_tail",
        "phone",
        "household__address",
        "relation",
        "political_status",
        "floating",
        "origin",
        "present",
        "path",
    )
    NAMES = tuple(name.replace("household__address", "household") for name in FIELDS)
    __slots__ = (*NAMES, "care_tags")

    age_on = Resident.age_on
    id_number_masked = Resident.id_number_masked
    phone_masked = Resident.phone_masked
    scope_path = property(lambda self: self.path)

    def __init__(self, values, care_tags):
        for name, value in zip(self.NAMES, values, strict=True):
            setattr(self, name, value)
        self.household = _Household(self.household)
        self.care_tags = care_tags

    @property
    def pk(self):
        return self.id


def export_rows(queryset, chunk_size: int = 2000):
    """An :class:`ExportRow` for every resident of ``queryset``, in its order, with its
    care tags (ordered as ``CareTag``): one query for the links of all the rows (a few
    percent of residents have a tag), one for the rows themselves."""
    tags = {t.pk: t for t in CareTag.objects.all()}
    rank = {pk: i for i, pk in enumerate(tags)}
    queryset = queryset.prefetch_related(None)
    links = defaultdict(list)
    for resident_id, tag_id in ResidentTag.objects.filter(
        resident__in=queryset.values("pk")
    ).values_list("resident_id", "tag_id"):
        links[resident_id].append(tag_id)
    for values in queryset.values_list(*ExportRow.FIELDS).iterator(chunk_size=chunk_size):
        found = links.get(values[0])
        care_tags = [tags[pk] for pk in sorted(found, key=rank.__getitem__)] if found else []
        yield ExportRow(values, care_tags)


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

        @classmethod
        def export_rows(cls, queryset, chunk_size: int = 2000, columns=None):
            """The export's cells: the columns above over value rows (core.exports)."""
            columns = cls.columns if columns is None else columns
            for row in export_rows(queryset, chunk_size):
                yield [c.value(row) for c in columns]

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
