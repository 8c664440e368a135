"""Forms of the party pages: they parse input; every rule lives in party.services.

Field names match the ``field`` of the services' domain errors, so a refusal lands next
to the field it concerns. Choices of organizations, members and areas come from scoped
querysets, so a form never offers (or accepts) anything outside the user's scope.
"""

from datetime import date

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import Level
from gongzhi.areas.forms import AreaChoiceField
from gongzhi.areas.models import Household
from gongzhi.core.forms import IdNumberField, PhoneField, scope_fields

from . import selectors
from .choices import (
    BRANCH_TYPES,
    Category,
    CommitteePost,
    Education,
    MemberStatus,
    OrgType,
    ResidentsPost,
    Standing,
)
from .models import Member, Organization
from .permissions import CHANGE_MEMBER, CHANGE_ORG, MANAGE_TRANSFER, VIEW_MEMBER, VIEW_ORG

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Dates outside this range are typing errors, and deadlines computed from them overflow.
EARLIEST, LATEST = date(1900, 1, 1), date(2100, 12, 31)
DATE_RANGE = [MinValueValidator(EARLIEST), MaxValueValidator(LATEST)]


def date_field(label, required=True, **kwargs):
    return forms.DateField(
        label=label, required=required, widget=DATE, validators=DATE_RANGE, **kwargs
    )


def today_field(label=None):
    return date_field(label or _("日期"), initial=timezone.localdate)


class VersionMixin(forms.Form):
    """The optimistic-lock version the object had when the form was loaded."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_org_type_display()}）"


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.id_tail}，{obj.organization.name}）"


def branches(user, perm: str):
    return selectors.organizations_for(user, perm).filter(org_type__in=BRANCH_TYPES, is_active=True)


# --- Organizations ---------------------------------------------------------------


class OrganizationCreateForm(forms.Form):
    parent = OrgChoiceField(
        label=_("上级党组织"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("街道党工委可不选；社区及以下的党组织须选择上级。"),
    )
    name = forms.CharField(label=_("名称"), max_length=100)
    org_type = forms.ChoiceField(label=_("类型"), choices=OrgType.choices)
    area = AreaChoiceField(CHANGE_ORG, max_level=Level.ESTATE, label=_("服务区域"))
    founded_on = date_field(_("成立日期"), required=False)
    term_started_on = date_field(_("本届任期开始"), required=False)
    term_years = forms.IntegerField(
        label=_("任期（年）"),
        required=False,
        min_value=1,
        max_value=5,
        help_text=_("不填按规定：社区党组织5年，其他党组织委员会3年；党小组无任期。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = (
            selectors.organizations_for(user, CHANGE_ORG)
            .exclude(org_type=OrgType.GROUP)
            .filter(is_active=True)
        )
        scope_fields(self, user)


class OrganizationEditForm(VersionMixin):
    name = forms.CharField(label=_("名称"), max_length=100)
    founded_on = date_field(_("成立日期"), required=False)
    term_started_on = date_field(_("本届任期开始"), required=False)
    term_years = forms.IntegerField(label=_("任期（年）"), required=False, min_value=1, max_value=5)
    is_active = forms.BooleanField(label=_("有效"), required=False)


class RenewTermForm(VersionMixin):
    term_started_on = date_field(_("新一届任期开始日期"), initial=timezone.localdate)


class SeatForm(forms.Form):
    member = MemberChoiceField(label=_("党员"), queryset=Member.objects.none())
    post = forms.ChoiceField(label=_("职务"), choices=CommitteePost.choices)
    started_on = date_field(_("任职日期"), initial=timezone.localdate)

    def __init__(self, *args, user, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = selectors.committee_candidates(user, organization)


# --- Members ---------------------------------------------------------------------


class HouseholdCodeField(forms.CharField):
    """A household given by its code, looked up within the user's scope."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("居住户编码"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("help_text", _("可不填；填写时须为管辖范围内的住户编码。"))
        super().__init__(*args, **kwargs)
        self.user = None

    def prepare_value(self, value):
        return value.code if isinstance(value, Household) else value

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        household = (
            Household.objects.visible_to(self.user, "areas.view_household")
            .filter(code=code)
            .first()
        )
        if household is None:
            raise forms.ValidationError(_("居住户不存在或不在管辖范围内。"))
        return household


class ProfileFields(forms.Form):
    """What a member's profile holds besides identity and status (services.PROFILE_FIELDS)."""

    phone = PhoneField(label=_("手机号"), max_length=20, required=False)
    education = forms.ChoiceField(
        label=_("学历"), choices=[("", "—"), *Education.choices], required=False
    )
    ethnicity = forms.CharField(label=_("民族"), max_length=20, initial="汉族")
    employer = forms.CharField(label=_("工作单位"), max_length=100, required=False)
    employer_org = forms.CharField(
        label=_("单位党组织"),
        max_length=100,
        required=False,
        help_text=_("在职党员填写所在单位的党组织。"),
    )
    job = forms.CharField(label=_("职务/职业"), max_length=50, required=False)
    skills = forms.CharField(
        label=_("特长技能"),
        max_length=200,
        required=False,
        help_text=_("进入人才库，可按关键词查找，如：法律咨询 医疗 维修。"),
    )
    hobbies = forms.CharField(label=_("兴趣爱好"), max_length=200, required=False)
    duty_post = forms.CharField(
        label=_("设岗定责岗位"), max_length=50, required=False, help_text=_("无职党员设岗定责。")
    )
    floating_whereabouts = forms.CharField(
        label=_("流动去向"), max_length=100, required=False, help_text=_("流动党员填写。")
    )
    party_group = OrgChoiceField(
        label=_("所在党小组"), queryset=Organization.objects.none(), required=False
    )
    household = HouseholdCodeField()

    def setup_profile(self, user):
        self.fields["party_group"].queryset = selectors.organizations_for(user, VIEW_ORG).filter(
            org_type=OrgType.GROUP
        )
        self.fields["household"].user = user

    def profile_data(self) -> dict:
        data = self.cleaned_data
        return {key: data[key] for key in ProfileFields.base_fields if key in data}


class MemberIdentityFields(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = IdNumberField(
        label=_("身份证号"),
        max_length=20,
        help_text=_("18位（末位可为X）或15位；保存后只显示脱敏号码。"),
    )
    status = forms.ChoiceField(label=_("党员状态"), choices=MemberStatus.choices)
    category = forms.ChoiceField(label=_("党员类别"), choices=Category.choices)
    applied_on = date_field(_("申请入党日期"), required=False)
    admitted_on = date_field(_("入党日期（预备）"))
    converted_on = date_field(_("转正日期"), required=False, help_text=_("正式党员必填。"))

    def identity_data(self) -> dict:
        return {key: self.cleaned_data[key] for key in MemberIdentityFields.base_fields}


class MemberRegisterForm(MemberIdentityFields, ProfileFields):
    organization = OrgChoiceField(label=_("所在党支部"), queryset=Organization.objects.none())

    field_order = ["organization", *MemberIdentityFields.base_fields, *ProfileFields.base_fields]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = branches(user, CHANGE_MEMBER)
        self.setup_profile(user)


class MemberEditForm(VersionMixin, ProfileFields):
    name = forms.CharField(label=_("姓名"), max_length=50)
    applied_on = date_field(_("申请入党日期"), required=False)
    admitted_on = date_field(_("入党日期（预备）"))
    converted_on = date_field(_("转正日期"), required=False)

    field_order = ["name", "applied_on", "admitted_on", "converted_on"]

    def __init__(self, *args, user, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_profile(user)
        self.fields["party_group"].queryset = self.fields["party_group"].queryset.filter(
            parent=member.organization_id
        )

    def changes(self) -> dict:
        data = self.profile_data()
        for key in ("name", "applied_on", "admitted_on", "converted_on"):
            data[key] = self.cleaned_data[key]
        return data


class MoveForm(VersionMixin):
    to_org = OrgChoiceField(label=_("调入党支部"), queryset=Organization.objects.none())
    on = today_field()
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, user, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_org"].queryset = branches(user, CHANGE_MEMBER).exclude(
            pk=member.organization_id
        )


class CategoryForm(VersionMixin):
    category = forms.ChoiceField(label=_("新类别"), choices=Category.choices)
    on = today_field()
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class ConvertForm(VersionMixin):
    converted_on = date_field(_("转正日期"), initial=timezone.localdate)


class ContactForm(forms.Form):
    on = today_field(_("联系日期"))
    method = forms.CharField(
        label=_("联系方式"), max_length=20, help_text=_("电话、走访、微信等。")
    )
    note = forms.CharField(label=_("情况"), max_length=200, required=False)


class DatedNoteForm(VersionMixin):
    """Suspend, restore and death: a date and an optional note."""

    on = today_field()
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class RemoveForm(VersionMixin):
    on = today_field()
    reason = forms.CharField(label=_("除名依据"), max_length=200)


# --- Transfers ---------------------------------------------------------------------


class TransferSendForm(forms.Form):
    to_org = OrgChoiceField(
        label=_("接收党组织（系统内）"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("转往系统内的党支部时选择；转往系统外时留空并填写下一项。"),
    )
    external_org = forms.CharField(label=_("系统外党组织"), max_length=100, required=False)
    letter_no = forms.CharField(label=_("介绍信编号"), max_length=50)
    issued_on = date_field(_("开具日期"), initial=timezone.localdate)
    reason = forms.CharField(label=_("转接原因"), max_length=200, required=False)

    def __init__(self, *args, user, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_org"].queryset = branches(user, VIEW_ORG).exclude(pk=member.organization_id)

    def clean(self):
        data = super().clean()
        if data.get("to_org") and (data.get("external_org") or "").strip():
            self.add_error("external_org", _("系统内接收党组织与系统外党组织只能填写一项。"))
        return data


class TransferReceiveForm(VersionMixin):
    received_on = date_field(_("接收日期"), initial=timezone.localdate)


class TransferReturnForm(VersionMixin):
    reason = forms.CharField(label=_("退回理由"), max_length=200)


class TransferCancelForm(VersionMixin):
    pass


class TransferConfirmForm(VersionMixin):
    on = date_field(_("回执/完成日期"), initial=timezone.localdate)


class ReceiveFromOutsideForm(MemberIdentityFields, ProfileFields):
    """A letter from outside: either a pocket member of ours or a new member's identity."""

    to_org = OrgChoiceField(label=_("接收党支部"), queryset=Organization.objects.none())
    external_org = forms.CharField(label=_("转出党组织（系统外）"), max_length=100)
    letter_no = forms.CharField(label=_("介绍信编号"), max_length=50)
    issued_on = date_field(_("介绍信开具日期"))
    received_on = date_field(_("接收日期"), initial=timezone.localdate)
    member = MemberChoiceField(
        label=_("口袋党员"),
        queryset=Member.objects.none(),
        required=False,
        help_text=_("已登记为口袋党员的，选择本人即可，下面的身份信息不必填写。"),
    )

    field_order = [
        "to_org",
        "external_org",
        "letter_no",
        "issued_on",
        "received_on",
        "member",
        *MemberIdentityFields.base_fields,
        *ProfileFields.base_fields,
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_org"].queryset = branches(user, MANAGE_TRANSFER)
        self.fields["member"].queryset = selectors.pocket_members(user).filter(
            pk__in=Member.objects.visible_to(user, MANAGE_TRANSFER).values("pk")
        )
        self.setup_profile(user)
        # Identity is needed only for a new member: checked in clean().
        for key in ("name", "id_number", "status", "category", "admitted_on", "ethnicity"):
            self.fields[key].required = False
        self.fields["category"].initial = Category.SELF_MANAGED

    def clean(self):
        data = super().clean()
        if data.get("member") is None:
            for key in ("name", "id_number", "status", "category", "admitted_on"):
                if not data.get(key) and key not in self.errors:
                    self.add_error(key, _("新登记的党员须填写此项。"))
        return data

    def member_data(self) -> dict:
        data = {**self.identity_data(), **self.profile_data()}
        data["ethnicity"] = data.get("ethnicity") or "汉族"
        return data


# --- Two committees ----------------------------------------------------------------


class CadreForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    birth_date = date_field(_("出生日期"))
    education = forms.ChoiceField(label=_("学历"), choices=Education.choices)
    party_post = forms.ChoiceField(
        label=_("党组织职务"), choices=[("", "—"), *CommitteePost.choices], required=False
    )
    residents_post = forms.ChoiceField(
        label=_("居委会职务"), choices=[("", "—"), *ResidentsPost.choices], required=False
    )
    is_full_time = forms.BooleanField(label=_("专职"), required=False, initial=True)
    started_on = date_field(_("任职日期"), required=False)
    member = MemberChoiceField(label=_("党员档案"), queryset=Member.objects.none(), required=False)

    def __init__(self, *args, user, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            selectors.members_for(user, VIEW_MEMBER)
            .filter(path__under=community.path, standing=Standing.ACTIVE)
            .order_by("name")
        )
