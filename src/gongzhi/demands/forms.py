"""Forms of the demand pages: they parse input; every rule lives in demands.services.

Field names match the ``field`` of the services' domain errors, so a refusal lands next
to the field it concerns. Choices of areas, households, units and demands come from
scoped querysets: a form never offers (or accepts) anything outside the user's reach.
"""

from datetime import date

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import roles_with
from gongzhi.areas.choices import Level
from gongzhi.areas.forms import AreaChoiceField
from gongzhi.areas.models import Area, Household
from gongzhi.core.forms import (
    PhoneField,
    ScopedModelChoiceField,
    ScopedModelMultipleChoiceField,
    scope_fields,
)

from . import selectors, services
from .choices import Channel, Consent, LimitUnit, Rating, RequesterKind, Status, UnitKind, Urgency
from .models import Category, Demand, Unit
from .permissions import DISPATCH, HANDLE, INTAKE, MANAGE_SETUP

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DESK_CHANNELS = [c for c in Channel.choices if c[0] not in (Channel.API, Channel.MEETING)]
TEXTAREA = forms.Textarea(attrs={"rows": 3})


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.name


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_kind_display()}）"


class HouseholdField(ScopedModelChoiceField):
    """A household picked with the search box beside it (a hidden id, scoped)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("相关住户"))
        super().__init__(Household, "areas.view_household", **kwargs)
        self.error_messages["invalid_choice"] = _("相关住户不存在或不在管辖范围内。")


def down_to(level: int):
    """Areas down to ``level`` (a building, an estate), in tree order."""
    return lambda areas: areas.filter(level__lte=level).order_by("path")


def intake_areas(user):
    """Where a demand may be recorded: the user's areas down to the buildings."""
    return down_to(Level.BUILDING)(Area.objects.visible_to(user, INTAKE))


def active_categories():
    return Category.objects.filter(is_active=True).order_by("full_name")


class RequesterFields(forms.Form):
    requester_kind = forms.ChoiceField(
        label=_("诉求人类型"), choices=RequesterKind.choices, initial=RequesterKind.RESIDENT
    )
    requester_name = forms.CharField(
        label=_("诉求人"), max_length=50, required=False, help_text=_("匿名诉求可不填。")
    )
    requester_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        help_text=_("个人信息：仅用于联系、回访，列表和台账中脱敏显示。"),
    )


class IntakeForm(RequesterFields):
    """The one-stop desk: a demand from any channel, with its "1+1" suggestion."""

    channel = forms.ChoiceField(label=_("来源渠道"), choices=DESK_CHANNELS, initial=Channel.DESK)
    received_at = forms.DateTimeField(
        label=_("受理时间"),
        required=False,
        widget=DATETIME,
        help_text=_("不填为当前时间；补录电话、走访、信件时填写实际收到的时间。"),
    )
    area = AreaChoiceField(INTAKE, max_level=Level.BUILDING, label=_("发生地点"))
    location = forms.CharField(label=_("具体位置"), max_length=200, required=False)
    household = HouseholdField()
    title = forms.CharField(label=_("标题"), max_length=100)
    content = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 4}))
    suggestion = forms.CharField(
        label=_("意见建议（“1+1”）"),
        widget=TEXTAREA,
        required=False,
        help_text=_("“1+1”工作法：反映一个问题，同时提出一条建议。"),
    )
    category = CategoryChoiceField(
        label=_("类别"),
        queryset=Category.objects.none(),
        required=False,
        help_text=_("可暂不分类，受理后再分类派单。"),
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"),
        choices=[("", _("按类别默认")), *Urgency.choices],
        required=False,
    )
    assisted = forms.BooleanField(
        label=_("代办：为不便自己提交的居民代为提交"),
        required=False,
        help_text=_("须经居民本人（或家属）同意；居民将收到短信告知，可在居民端查看进度。"),
    )
    consent = forms.ChoiceField(
        label=_("居民同意方式"), choices=[("", "—"), *Consent.choices], required=False
    )
    consent_note = forms.CharField(label=_("同意情况说明"), max_length=200, required=False)
    merge_into = ScopedModelChoiceField(
        Demand,
        DISPATCH,
        narrow=lambda demands: demands.exclude(
            status__in=[Status.CLOSED, Status.MERGED]
        ).select_related("area"),
        label=_("合并到"),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        scope_fields(self, user)
        self.fields["category"].queryset = active_categories()
        self.fields["merge_into"].error_messages["invalid_choice"] = _(
            "目标诉求不存在或不在管辖范围内。"
        )
        self.can_merge = user.has_perm(DISPATCH)

    def clean_urgency(self):
        return self.cleaned_data["urgency"] or None


class MeetingForm(forms.Form):
    """A 坝坝会 / 居民夜话: the meeting, and below it the items raised there."""

    title = forms.CharField(label=_("会议名称"), max_length=100)
    held_at = forms.DateTimeField(label=_("召开时间"), widget=DATETIME)
    area = AreaChoiceField(INTAKE, max_level=Level.ESTATE, label=_("所在区域"))
    host = forms.CharField(label=_("主持人"), max_length=50, required=False)
    attendees = forms.IntegerField(
        label=_("参加人数"), min_value=1, max_value=10000, required=False
    )
    note = forms.CharField(label=_("会议记录"), widget=TEXTAREA, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope_fields(self, user)

    def clean_held_at(self):
        held_at = self.cleaned_data["held_at"]
        if held_at > timezone.now():
            raise forms.ValidationError(_("会议时间不能晚于当前时间。"))
        return held_at


ROW = forms.Textarea(attrs={"rows": 1})


class MeetingItemForm(RequesterFields):
    """One row of the meeting's table, checked by the service's rules for a demand's
    texts (every problem of the row at its cell, beside the fields' own checks)."""

    field_order = (
        "title",
        "content",
        "suggestion",
        "requester_kind",
        "requester_name",
        "requester_phone",
        "location",
    )
    title = forms.CharField(label=_("标题"), max_length=100)
    content = forms.CharField(label=_("诉求内容"), widget=ROW)
    suggestion = forms.CharField(label=_("意见建议（“1+1”）"), widget=ROW, required=False)
    location = forms.CharField(label=_("具体位置"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # in a table cell, the column names the field
            field.widget.attrs["aria-label"] = field.label

    def clean(self):
        data = super().clean()
        texts = {name: data.get(name) or "" for name in self.field_order}
        for problem in services.demand_texts(**texts)[1]:
            if problem.field in self.fields and problem.field not in self.errors:
                self.add_error(problem.field, str(problem.message))
        return data


class BaseItemFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if not any(f.cleaned_data and not f.cleaned_data.get("DELETE") for f in self.forms):
            raise forms.ValidationError(_("请至少填写一条群众反映的问题。"))


MeetingItemFormSet = forms.formset_factory(
    MeetingItemForm, formset=BaseItemFormSet, extra=3, max_num=100, validate_max=True
)


# --- One form per transition ------------------------------------------------------------


class VersionForm(forms.Form):
    """The optimistic-lock version the demand had when the page was loaded."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, demand, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.demand, self.user = demand, user


class ClassifyForm(VersionForm):
    category = CategoryChoiceField(label=_("类别"), queryset=Category.objects.none())
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=[("", _("按类别默认")), *Urgency.choices], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = active_categories()
        if self.demand.category_id:
            self.fields["category"].initial = self.demand.category_id

    def clean_urgency(self):
        return self.cleaned_data["urgency"] or None


class DispatchForm(VersionForm):
    unit = UnitChoiceField(
        label=_("责任单位"),
        queryset=Unit.objects.none(),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        field.queryset = selectors.routable_units(self.demand)
        category = self.demand.category
        self.default_unit = category.default_unit() if category else None
        if self.default_unit is not None:
            field.help_text = _("不选则派给默认责任单位：%(u)s（类别“%(c)s”的分派规则）。") % {
                "u": self.default_unit.name,
                "c": category,
            }
        elif category is not None:
            field.help_text = _("类别“%(c)s”没有默认责任单位，请选择。") % {"c": category}

    def clean_unit(self):
        unit = self.cleaned_data.get("unit")
        if unit is None and self.default_unit is None:
            raise forms.ValidationError(services.no_default_unit(self.demand.category))
        return unit


class ReasonForm(VersionForm):
    reason = forms.CharField(label=_("理由"), max_length=200, widget=TEXTAREA)


class ReassignForm(ReasonForm):
    unit = UnitChoiceField(label=_("改派至"), queryset=Unit.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.routable_units(self.demand).exclude(
            pk=self.demand.unit_id
        )


class ReopenForm(ReasonForm):
    unit = UnitChoiceField(
        label=_("责任单位"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("不选则由原单位重新办理。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.routable_units(self.demand)


class NoteForm(VersionForm):
    note = forms.CharField(label=_("说明"), max_length=500, widget=TEXTAREA)


class AskInfoForm(VersionForm):
    note = forms.CharField(label=_("需补充的内容"), max_length=500, widget=TEXTAREA)


class OptionalNoteForm(VersionForm):
    note = forms.CharField(label=_("说明"), max_length=500, widget=TEXTAREA, required=False)


class ExtensionRequestForm(VersionForm):
    days = forms.IntegerField(label=_("延期（工作日）"), min_value=1, max_value=60)
    reason = forms.CharField(label=_("理由"), max_length=200, widget=TEXTAREA)


class ExtensionDecisionForm(VersionForm):
    approve = forms.TypedChoiceField(
        label=_("审批意见"),
        choices=[("1", _("同意延期")), ("0", _("不同意"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("说明"), max_length=200, widget=TEXTAREA, required=False)


class AnswerForm(VersionForm):
    answer = forms.CharField(
        label=_("答复内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    resolved = forms.TypedChoiceField(
        label=_("办理结果"),
        choices=[("1", _("已解决")), ("0", _("未解决"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    contacted = forms.BooleanField(label=_("已联系诉求人"), required=False, initial=True)


class RatingForm(VersionForm):
    rating = forms.ChoiceField(label=_("评价"), choices=Rating.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("评价意见"), max_length=200, widget=TEXTAREA, required=False)


class FollowUpForm(VersionForm):
    rating = forms.ChoiceField(
        label=_("诉求人评价"),
        choices=[("", _("未联系上 / 未表态")), *Rating.choices],
        required=False,
    )
    note = forms.CharField(label=_("回访情况"), max_length=200, widget=TEXTAREA)

    def clean_rating(self):
        return self.cleaned_data["rating"] or None


class MergeForm(VersionForm):
    into = forms.CharField(
        label=_("合并到"),
        max_length=30,
        help_text=_("同一问题的另一条诉求的编号，如 20261122-0000123。"),
    )

    def clean_into(self):
        number = self.cleaned_data["into"].strip()
        pk = Demand.id_from_number(number)
        target = (
            selectors.demands_for(self.user, DISPATCH).filter(pk=pk).first()
            if pk and pk != self.demand.pk
            else None
        )
        if target is None:
            raise forms.ValidationError(_("目标诉求不存在或不在管辖范围内。"))
        return target


# --- Setup ---------------------------------------------------------------------------------


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=50)
    parent = CategoryChoiceField(
        label=_("上级类别"), queryset=Category.objects.none(), required=False
    )
    unit = UnitChoiceField(
        label=_("默认责任单位（分派规则）"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_(
            "该类诉求派单时默认派给的单位；留空则沿用上级类别的默认单位，都没有时派单须人工指定。"
        ),
    )
    urgency = forms.ChoiceField(
        label=_("默认紧急程度"), choices=Urgency.choices, initial=Urgency.ORDINARY
    )
    limit_amount = forms.IntegerField(
        label=_("办理时限"),
        min_value=1,
        max_value=720,
        required=False,
        help_text=_(
            "留空按紧急程度的默认时限：紧急2小时，较急（如停水停电）24小时，一般7个工作日，复杂15个工作日。"
        ),
    )
    limit_unit = forms.ChoiceField(
        label=_("时限单位"), choices=[("", "—"), *LimitUnit.choices], required=False
    )
    community_may_close = forms.BooleanField(
        label=_("社区可自行办结"), required=False, initial=True
    )
    max_extension_days = forms.IntegerField(
        label=_("最长延期（工作日）"), min_value=0, max_value=60, required=False
    )

    def __init__(self, *args, user, category=None, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Category.objects.order_by("full_name")
        if category is not None:
            parents = parents.exclude(pk=category.pk)
        self.fields["parent"].queryset = parents
        self.fields["unit"].queryset = selectors.units_managed(user).filter(is_active=True)


class CategoryEditForm(CategoryForm):
    is_active = forms.BooleanField(label=_("启用"), required=False)


class HandlerChoiceField(ScopedModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj}（{obj.username}）"


class UnitForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=UnitKind.choices)
    area = AreaChoiceField(MANAGE_SETUP, max_level=Level.ESTATE, label=_("服务区域"))
    phone = PhoneField(label=_("联系电话"), max_length=20, required=False)
    handlers = HandlerChoiceField(
        User,
        MANAGE_SETUP,
        narrow=lambda users: (
            users.filter(is_active=True, role_assignments__role__in=roles_with(HANDLE))
            .distinct()
            .order_by("username")
        ),
        label=_("处理人"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("有办理诉求角色的账号，如职能部门处理人；派单后由他们接单、答复。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope_fields(self, user)


class UnitEditForm(UnitForm):
    is_active = forms.BooleanField(label=_("启用"), required=False)


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("月份"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        # Months the figures can count back and forth from (year 1 or 9999 would
        # overflow the date arithmetic of a trend).
        validators=[
            MinValueValidator(date(2000, 1, 1), _("月份不能早于2000年。")),
            MaxValueValidator(date(2100, 12, 1), _("月份不能晚于2100年。")),
        ],
    )
