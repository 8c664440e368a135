"""Filters of the party lists: the same filterset serves the page and the Excel export.

Choices that name organizations or areas come from the user's scope; the warning
filters reuse the selectors that define each warning, so the rule lives once.
"""

import django_filters
from django import forms
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import Level
from gongzhi.areas.forms import labelled
from gongzhi.areas.models import Area
from gongzhi.areas.widgets import AreaPicker
from gongzhi.core import pii
from gongzhi.core.errors import RuleViolation
from gongzhi.core.filters import FilterSet
from gongzhi.core.pinyin import LETTERS, letters_match

from . import selectors
from .choices import HOLDING, Category, MemberStatus, Standing, TransferKind, TransferState
from .manifest import MANIFEST
from .models import Member, Organization, Transfer
from .permissions import VIEW_MEMBER, VIEW_ORG

ALL = "all"
STANDING_CHOICES = [*Standing.choices, (ALL, _("全部（含已出党、已转出）"))]

# Member warnings (RULES.md "Membership standing"): name → selector(user, today).
# The member warnings the manifest declares (the list's ``?warning=`` filter).
WARNINGS = {
    kind.key.removeprefix("party."): (kind.label, import_string(kind.selector))
    for kind in MANIFEST.warnings
    if kind.url.startswith("party:member_list?")
}


def _organizations(request):
    if request is None:
        return Organization.objects.none()
    return selectors.organizations_for(request.user, VIEW_ORG).order_by("tree_path")


def _areas(request):
    if request is None:
        return Area.objects.none()
    return Area.objects.visible_to(request.user, VIEW_MEMBER).filter(level__lte=Level.GRID)


class OrgFilter(django_filters.ModelChoiceFilter):
    """Members of the organization and of every organization below it."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(
            organization__in=Organization.objects.filter(tree_path__startswith=value.tree_path)
        )


class MemberFilter(FilterSet):
    name = django_filters.CharFilter(label=_("姓名或拼音"), method="filter_name", max_length=50)
    organization = OrgFilter(label=_("党组织"), queryset=_organizations)
    category = django_filters.ChoiceFilter(label=_("党员类别"), choices=Category.choices)
    status = django_filters.ChoiceFilter(label=_("党员状态"), choices=MemberStatus.choices)
    standing = django_filters.ChoiceFilter(
        label=_("党籍状态"),
        choices=STANDING_CHOICES,
        method="filter_standing",
        empty_label=_("在册（正常、停止党籍）"),
    )
    id_number = django_filters.CharFilter(
        label=_("身份证号或后四位"), method="filter_id_number", max_length=20
    )
    phone = django_filters.CharFilter(label=_("手机号后四位"), method="filter_phone", max_length=20)
    warning = django_filters.ChoiceFilter(
        label=_("预警"),
        choices=[(key, label) for key, (label, _s) in WARNINGS.items()],
        method="filter_warning",
    )

    class Meta:
        model = Member
        fields = []

    def filter_queryset(self, queryset):
        """Holding members (正常、停止党籍) unless a standing is chosen."""
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("standing"):
            queryset = queryset.filter(standing__in=HOLDING)
        return queryset

    def filter_name(self, qs, name, value):
        """A part of the name, or pinyin initials or full pinyin (zxm, zhangxiaoming)."""
        value = value.strip()
        if LETTERS.match(value):
            return qs.filter(letters_match(value))
        return qs.filter(name__contains=value)

    def filter_standing(self, qs, name, value):
        if value == ALL:
            return qs
        return qs.filter(standing=value)

    def filter_id_number(self, qs, name, value):
        value = value.strip().upper()
        if len(value) <= 4:
            return qs.filter(id_tail__endswith=value)
        try:
            number = pii.normalize_id_number(value)
        except RuleViolation:
            return qs.none()
        return qs.filter(id_number_hash__in=pii.lookup_hashes(number))

    def filter_phone(self, qs, name, value):
        return qs.filter(phone__endswith=value.strip())

    def filter_warning(self, qs, name, value):
        _label, selector = WARNINGS[value]
        today = timezone.localdate()
        return qs.filter(pk__in=selector(self.request.user, today).values("pk"))


class TalentFilter(FilterSet):
    """The talent search ("who can do legal advice in this community?"): its result is
    selectors.talent_search over the user's scope, holding members only."""

    skill = django_filters.CharFilter(
        label=_("特长/技能"),
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("如：法律咨询")}),
    )
    within = django_filters.ModelChoiceFilter(
        label=_("区域"),
        queryset=_areas,
        empty_label=_("全部"),
        widget=AreaPicker(perm=VIEW_MEMBER, max_level=Level.GRID),
    )

    class Meta:
        model = Member
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labelled(self.form.fields["within"])

    @property
    def qs(self):
        data = self.form.cleaned_data if self.is_bound and self.is_valid() else {}
        return selectors.talent_search(
            self.request.user, data.get("skill") or "", data.get("within")
        )


class TransferFilter(FilterSet):
    member = django_filters.CharFilter(
        label=_("党员姓名"), field_name="member__name", lookup_expr="contains"
    )
    letter_no = django_filters.CharFilter(label=_("介绍信编号"), lookup_expr="contains")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=TransferKind.choices)
    state = django_filters.ChoiceFilter(label=_("状态"), choices=TransferState.choices)
    overdue = django_filters.BooleanFilter(
        label=_("只看逾期介绍信"),
        method="filter_overdue",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Transfer
        fields = []

    def filter_overdue(self, qs, name, value):
        if not value:
            return qs
        today = timezone.localdate()
        return qs.filter(pk__in=selectors.overdue_letters(self.request.user, today).values("pk"))
