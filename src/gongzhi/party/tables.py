"""Columns of the party lists; each table drives both the page and its Excel export.

Member tables show the ID number and the phone masked only: the full ID number is shown
on the member's page after an audited request, never in a list or an export.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.tables import Column, Table

from . import selectors
from .permissions import CHANGE_MEMBER


def _organization(member):
    return member.organization.name


def _id_masked(member):
    return member.id_number_masked


def _phone_masked(member):
    return member.phone_masked


class MemberTable(Table):
    columns = (
        Column("name", _("姓名"), link=True),
        Column("sex", _("性别")),
        # Personal details, even masked, only for those who keep the members' records.
        Column("id_masked", _("身份证号"), _id_masked, permission=CHANGE_MEMBER),
        Column("phone_masked", _("手机号"), _phone_masked, permission=CHANGE_MEMBER),
        Column("organization", _("所在党支部"), _organization),
        Column("status", _("党员状态")),
        Column("category", _("党员类别")),
        Column("standing", _("党籍状态")),
        Column("admitted_on", _("入党日期")),
        Column("converted_on", _("转正日期")),
        Column("education", _("学历")),
        Column("employer", _("工作单位")),
        Column("last_contact_on", _("最近联系")),
    )


class TalentTable(Table):
    columns = (
        Column("name", _("姓名"), link=True),
        Column("organization", _("所在党支部"), _organization),
        Column("skills", _("特长技能")),
        Column("hobbies", _("兴趣爱好")),
        Column("job", _("职务/职业")),
        Column("employer", _("工作单位")),
        Column("category", _("党员类别")),
        Column("phone_masked", _("手机号"), _phone_masked),
    )


def _transfer_from(transfer):
    if transfer.from_org_id:
        return transfer.from_org.name
    return transfer.external_org


def _transfer_to(transfer):
    if transfer.to_org_id:
        return transfer.to_org.name
    return transfer.external_org


def _overdue(transfer):
    return _("已逾期") if selectors.letter_overdue(transfer, timezone.localdate()) else ""


class TransferTable(Table):
    columns = (
        Column("member", _("党员"), lambda t: t.member.name, link=True),
        Column("kind", _("类型")),
        Column("from", _("转出党组织"), _transfer_from),
        Column("to", _("接收党组织"), _transfer_to),
        Column("letter_no", _("介绍信编号"), link=True),
        Column("issued_on", _("开具日期")),
        Column("valid_until", _("有效期至")),
        Column("state", _("状态")),
        Column("overdue", _("逾期"), _overdue),
        Column("received_on", _("接收日期")),
    )
