from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import IdNumberField, PhoneField
from gongzhi.party.choices import Category, OrgType
from gongzhi.party.models import Organization

from . import selectors
from .choices import EndReason, Outcome, Step

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CATEGORIES = [(v, label) for v, label in Category.choices if v != Category.POCKET]


class MemberChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.organization.name}）"


class OpenFileForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("党支部"), queryset=Organization.objects.none())
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = IdNumberField(label=_("身份证号"), max_length=18)
    applied_on = forms.DateField(label=_("递交申请书日期"), widget=DATE)
    phone = PhoneField(label=_("手机号"), max_length=20, required=False)
    employer = forms.CharField(label=_("工作单位"), max_length=100, required=False)
    category = forms.ChoiceField(
        label=_("接收后党员类别"), choices=CATEGORIES, initial=Category.SELF_MANAGED
    )
    document = forms.CharField(
        label=_("材料/文书"), max_length=200, required=False, initial=_("入党申请书")
    )
    responsible = forms.CharField(label=_("接收人"), max_length=100, required=False)
    content = forms.CharField(
        label=_("情况记录"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = selectors.branches_for(user)


class StepForm(forms.Form):
    """The next step of a file: common fields plus the ones the step needs."""

    step = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("办理日期"), widget=DATE)
    responsible = forms.CharField(label=_("经办人/责任人"), max_length=100, required=False)
    document = forms.CharField(label=_("材料/文书"), max_length=200, required=False)
    content = forms.CharField(
        label=_("情况记录"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, file, user, step: int, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].update(step=step, version=file.version, on=timezone.localdate())
        super().__init__(*args, **kwargs)
        self.step = step
        add = self.fields.__setitem__
        if step in (Step.ASSIGN_CONTACTS, Step.INTRODUCERS):
            add(
                "contacts" if step == Step.ASSIGN_CONTACTS else "introducers",
                MemberChoice(
                    label=_("培养联系人") if step == Step.ASSIGN_CONTACTS else _("入党介绍人"),
                    queryset=selectors.eligible_members(user, file).select_related("organization"),
                    help_text=_("须为党籍正常的正式党员；按住 Ctrl 可多选。"),
                ),
            )
        if step == Step.NAME_OBJECT:
            add(
                "publicity_from",
                forms.DateField(
                    label=_("公示开始日期"),
                    widget=DATE,
                    required=False,
                    help_text=_("公示不少于5个工作日，期满后方可确定为发展对象。"),
                ),
            )
        if step == Step.POLITICAL_REVIEW:
            add(
                "review_passed",
                forms.TypedChoiceField(
                    label=_("政治审查结论"),
                    choices=[("", "—"), ("1", _("合格")), ("0", _("不合格"))],
                    coerce=lambda v: v == "1",
                    empty_value=None,
                ),
            )
        if step == Step.TRAINING:
            add(
                "training_days",
                forms.IntegerField(label=_("培训天数"), min_value=0, max_value=366, required=False),
            )
            add(
                "training_hours",
                forms.IntegerField(
                    label=_("培训学时"), min_value=0, max_value=2000, required=False
                ),
            )
        if step in (Step.BRANCH_VOTE, Step.CONVERSION_VOTE):
            count = lambda label, **kw: forms.IntegerField(  # noqa: E731
                label=label, min_value=0, max_value=10000, **kw
            )
            add(
                "entitled",
                count(
                    _("应到会有表决权的正式党员"),
                    initial=selectors.voting_members(file.branch),
                    help_text=_("实到须超过应到的半数，赞成票须超过应到的半数。"),
                ),
            )
            add("present", count(_("实到会有表决权的正式党员")))
            add("votes_for", count(_("赞成票")))
            add("votes_against", count(_("反对票"), required=False, initial=0))
            add("votes_abstain", count(_("弃权票"), required=False, initial=0))
        if step == Step.APPROVAL:
            add(
                "reason",
                forms.CharField(
                    label=_("特殊情况说明"),
                    max_length=200,
                    required=False,
                    help_text=_("超过3个月审批时填写（最长6个月）。"),
                ),
            )
        if step == Step.JOIN_BRANCH:
            add(
                "party_group",
                forms.ModelChoiceField(
                    label=_("党小组"),
                    queryset=Organization.objects.filter(
                        parent_id=file.branch_id, org_type=OrgType.GROUP
                    ),
                    required=False,
                ),
            )
        if step == Step.CONVERSION_VOTE:
            add("outcome", forms.ChoiceField(label=_("支部大会决定"), choices=Outcome.choices))
            add(
                "extension_months",
                forms.IntegerField(
                    label=_("延长预备期（月）"),
                    min_value=1,
                    max_value=24,
                    required=False,
                    help_text=_("决定延长预备期时填写，6至12个月，只能延长一次。"),
                ),
            )

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("step")
        return data


class ReviewForm(forms.Form):
    on = forms.DateField(label=_("考察日期"), widget=DATE)
    reviewer = forms.CharField(label=_("考察人"), max_length=100, required=False)
    content = forms.CharField(
        label=_("考察意见"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class EndFileForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("终止日期"), widget=DATE)
    reason = forms.ChoiceField(
        label=_("终止原因"),
        choices=[(v, label) for v, label in EndReason.choices if v != EndReason.CANCELLED],
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
