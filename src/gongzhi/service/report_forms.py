"""Forms of 双报到, organ units and pairing: formats only; the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.areas import selectors as area_selectors
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.party.choices import Category
from gongzhi.party.models import Member
from gongzhi.party.permissions import VIEW_MEMBER
from gongzhi.residents.widgets import HouseholdPicker

from . import reports
from .choices import CadreLevel, PairKind
from .permissions import CHANGE, TAKE_PART


def communities(user, perm):
    return Area.objects.visible_to(user, perm).filter(level=Level.COMMUNITY).order_by("path")


class ReportForm(forms.Form):
    """A member's request (``staff=False``) or a report entered by the community."""

    member = forms.ModelChoiceField(label=_("党员"), queryset=Member.objects.none())
    community = forms.ModelChoiceField(label=_("报到社区"), queryset=Area.objects.none())
    unit = forms.ModelChoiceField(
        label=_("登记的报到单位"), queryset=Member.objects.none(), required=False
    )
    employer = forms.CharField(label=_("工作单位名称"), max_length=100, required=False)
    employer_org = forms.CharField(label=_("单位党组织"), max_length=100, required=False)
    employer_contact = forms.CharField(label=_("单位联系人"), max_length=50, required=False)
    employer_phone = forms.CharField(label=_("单位联系电话"), max_length=20, required=False)
    cadre_level = forms.ChoiceField(label=_("干部层级"), choices=CadreLevel.choices)
    capacity = forms.IntegerField(label=_("可联系户数"), min_value=1, max_value=20, initial=3)
    skills = forms.CharField(label=_("特长技能"), max_length=200, required=False)

    def __init__(self, *args, user, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        perm = CHANGE if staff else TAKE_PART
        self.fields["community"].queryset = communities(user, perm)
        self.fields["unit"].queryset = reports.units_known_to(user)
        if staff:
            self.fields["member"].queryset = (
                Member.objects.visible_to(user, VIEW_MEMBER)
                .filter(category=Category.IN_SERVICE)
                .order_by("name")
            )
        else:
            del self.fields["member"]

    def entry(self) -> reports.ReportEntry:
        data = self.cleaned_data
        return reports.ReportEntry(
            community=data["community"],
            unit=data["unit"],
            employer=data["employer"],
            employer_org=data["employer_org"],
            employer_contact=data["employer_contact"],
            employer_phone=data["employer_phone"],
            cadre_level=data["cadre_level"],
            capacity=data["capacity"],
            skills=data["skills"],
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class UnitForm(forms.Form):
    area = forms.ModelChoiceField(label=_("登记区域"), queryset=Area.objects.none())
    name = forms.CharField(label=_("单位名称"), max_length=100)
    party_org = forms.CharField(label=_("单位党组织"), max_length=100)
    contact = forms.CharField(label=_("联系人"), max_length=50, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    in_district = forms.BooleanField(label=_("区内单位"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = (
            Area.objects.visible_to(user, CHANGE)
            .filter(level__lte=Level.COMMUNITY)
            .order_by("path")
        )


class UnitReportForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("单位"), queryset=Area.objects.none())
    community = forms.ModelChoiceField(label=_("报到社区"), queryset=Area.objects.none())
    resources = forms.CharField(
        label=_("可提供资源"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = reports.units_known_to(user)
        self.fields["community"].queryset = communities(user, CHANGE)


class PairForm(forms.Form):
    household = forms.ModelChoiceField(label=_("联系户"), queryset=Area.objects.none())
    kind = forms.ChoiceField(label=_("户类型"), choices=PairKind.choices)

    def __init__(self, *args, user, community, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["household"]
        field.widget = HouseholdPicker(within=community.pk)
        field.label_from_instance = lambda h: h.place_name()
        field.queryset = (  # after the widget: it gives the widget its choices
            area_selectors.households_for(user).filter(path__under=community.path).order_by("path")
        )
