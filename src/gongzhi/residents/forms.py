"""Forms of the resident pages: they parse input; every rule lives in residents.services.

Field names match the ``field`` of the services' domain errors, so a refusal lands next
to the field it concerns. Households, residents and areas offered come from the user's
scope.
"""

import json

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.forms import labelled
from gongzhi.areas.models import Household
from gongzhi.core import calendar
from gongzhi.core.errors import RuleViolation
from gongzhi.core.forms import IdNumberField, PhoneField

from .choices import Duty, PermitStatus, PoliticalStatus, Relation
from .models import CareTag, Resident

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_RANGE = [
    MinValueValidator(timezone.datetime(1900, 1, 1).date()),
    MaxValueValidator(timezone.datetime(2100, 12, 31).date()),
]


def date_field(label, required=True, **kwargs):
    return forms.DateField(
        label=label, required=required, widget=DATE, validators=DATE_RANGE, **kwargs
    )


class HappenedMixin(forms.Form):
    """Dates of what has happened (arrival, move): the date picker stops at today; the
    service refuses a later date whatever the client sends (core.calendar)."""

    happened: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate().isoformat()
        for name in self.happened:
            self.fields[name].widget.attrs["max"] = today

    def clean(self):
        data = super().clean()
        for name in self.happened:
            try:
                calendar.require_happened(data.get(name), field=name)
            except RuleViolation as exc:
                self.add_error(name, str(exc.message))
        return data


class VersionMixin(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class HouseholdCodeField(forms.CharField):
    """A household by its code (as printed on the household page), resolved in scope
    by the view."""


# No relation is preselected: a default 户主 gave households several heads (issue 13).
RELATION_CHOICES = [("", _("请选择")), *Relation.choices]


class ProfileForm(HappenedMixin):
    happened = ("arrived_on", "moved_in_on")
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = PhoneField(label=_("联系电话"), max_length=20, required=False)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=RELATION_CHOICES)
    ethnicity = forms.CharField(label=_("民族"), max_length=20, initial="汉族")
    political_status = forms.ChoiceField(
        label=_("政治面貌"), choices=PoliticalStatus.choices, initial=PoliticalStatus.MASSES
    )
    work_or_school = forms.CharField(label=_("工作单位/学校"), max_length=100, required=False)
    registered_address = forms.CharField(label=_("户籍地址"), max_length=200, required=False)
    registered_here = forms.BooleanField(label=_("户籍在本户"), required=False, initial=True)
    floating = forms.BooleanField(label=_("流动人口"), required=False)
    origin = forms.CharField(label=_("来源地"), max_length=100, required=False)
    arrived_on = date_field(_("来本地日期"), required=False)
    permit = forms.ChoiceField(label=_("居住证"), choices=PermitStatus.choices)
    moved_in_on = date_field(_("迁入日期"), required=False)

    def profile(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in ProfileForm.base_fields}


class RegisterForm(ProfileForm):
    id_number = IdNumberField(
        label=_("身份证号"), max_length=20, help_text=_("加密保存，列表中只显示脱敏号码。")
    )
    field_order = ["name", "id_number"]

    def profile(self) -> dict:
        data = super().profile()
        data.pop("name")
        return data


class EditForm(VersionMixin, ProfileForm):
    pass


class MoveOutForm(HappenedMixin, VersionMixin):
    happened = ("on",)
    on = date_field(_("迁出日期"), initial=timezone.localdate)
    died = forms.BooleanField(label=_("死亡注销"), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class MoveToForm(HappenedMixin, VersionMixin):
    happened = ("on",)
    household = forms.ModelChoiceField(
        label=_("迁入住户"), queryset=Household.objects.none(), to_field_name="code"
    )
    relation = forms.ChoiceField(label=_("与户主关系"), choices=RELATION_CHOICES)
    on = date_field(_("变动日期"), initial=timezone.localdate)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, households=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["household"]
        field.queryset = households if households is not None else Household.objects.none()
        field.widget = forms.TextInput(attrs={"placeholder": _("住户编码")})
        field.help_text = _("填写目标住户的编码（见住户页面）。")


class TagForm(forms.Form):
    tag = forms.ModelChoiceField(label=_("关爱标签"), queryset=CareTag.objects.none())
    on = date_field(_("标注日期"), initial=timezone.localdate)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, tags=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = tags if tags is not None else CareTag.objects.none()


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("电子照片"), help_text=_("JPEG 或 PNG，不超过2MB。"))


class RentalForm(forms.Form):
    landlord_name = forms.CharField(label=_("房东"), max_length=50)
    landlord_phone = PhoneField(label=_("房东电话"), max_length=20, required=False)
    starts_on = date_field(_("租期开始"))
    ends_on = date_field(_("租期结束"), required=False)
    tenants = forms.ModelMultipleChoiceField(
        label=_("租客"), queryset=Resident.objects.none(), required=False
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, tenants=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["tenants"]
        field.queryset = tenants if tenants is not None else Resident.objects.none()
        field.help_text = _("本户登记的居民。")


class ResponsibilityForm(forms.Form):
    area = forms.ModelChoiceField(label=_("区域"), queryset=None)
    duty = forms.ChoiceField(label=_("职责"), choices=Duty.choices)
    name = forms.CharField(label=_("姓名/单位"), max_length=100, required=False)
    phone = PhoneField(label=_("联系电话"), max_length=20, required=False)
    member = forms.ModelChoiceField(label=_("党员档案"), queryset=None, required=False)

    def __init__(self, *args, areas=None, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        labelled(self.fields["area"])
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: f"{m.name}（{m.id_tail}）"
        self.fields["member"].help_text = _("联系在职党员必选。")


class CareTagForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=30)
    sensitive = forms.BooleanField(label=_("敏感信息"), required=False)
    sort = forms.IntegerField(label=_("排序"), min_value=0, max_value=999, initial=0)


class GeometryForm(VersionMixin):
    geometry = forms.CharField(
        label=_("边界(GeoJSON)"),
        widget=forms.Textarea(attrs={"rows": 12, "class": "font-monospace"}),
        required=False,
        help_text=_("GeoJSON 的 Polygon 或 MultiPolygon（经度, 纬度），留空为清除边界。"),
    )

    def clean_geometry(self):
        text = self.cleaned_data["geometry"].strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("不是有效的 JSON。")) from None


class GeoJSONImportForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON 文件"),
        help_text=_("FeatureCollection，每个要素的 properties.code 为区域编码；全部无误才写入。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("文件不能超过10MB。"))
        try:
            return json.loads(upload.read().decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError):
            raise forms.ValidationError(_("不是有效的 GeoJSON（JSON）文件。")) from None
