"""Forms of the volunteer registry, teams and posts, and certificates."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import Level
from gongzhi.areas.forms import AreaChoiceField
from gongzhi.core.forms import HappenedDateField, ScopedModelChoiceField, scope_fields
from gongzhi.residents.models import Resident

from .models import Team, Volunteer
from .permissions import CHANGE

LIST_HELP = _("多项用逗号或顿号分隔，如：理发、家电维修")


class _Scoped(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope_fields(self, user)


class TalentsForm(forms.Form):
    skills = forms.CharField(
        label=_("特长技能"), max_length=200, required=False, help_text=LIST_HELP
    )
    hobbies = forms.CharField(
        label=_("兴趣爱好"), max_length=200, required=False, help_text=LIST_HELP
    )


class JoinForm(TalentsForm):
    """A resident registering themselves."""

    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        help_text=_("不填则使用居民档案中的电话"),
    )


class RegisterForm(_Scoped, TalentsForm):
    """Staff registering a resident of their community."""

    resident = ScopedModelChoiceField(
        Resident,
        CHANGE,
        label=_("居民"),
        narrow=lambda qs: qs.filter(present=True, volunteer__isnull=True).order_by("name"),
    )

    field_order = ["resident", "skills", "hobbies"]


class VolunteerEditForm(TalentsForm):
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


def _community_volunteers(qs):
    return qs.filter(is_active=True).order_by("name")


class TeamForm(_Scoped):
    community = AreaChoiceField(
        CHANGE,
        max_level=Level.COMMUNITY,
        label=_("所在社区"),
        narrow=lambda qs: qs.filter(level=Level.COMMUNITY).order_by("path"),
    )
    name = forms.CharField(label=_("队名"), max_length=60)
    leader = ScopedModelChoiceField(
        Volunteer, CHANGE, label=_("队长"), required=False, narrow=_community_volunteers
    )
    skills = forms.CharField(
        label=_("服务专长"), max_length=200, required=False, help_text=LIST_HELP
    )
    description = forms.CharField(
        label=_("简介"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class TeamEditForm(TeamForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["community"]


class PostForm(_Scoped):
    community = AreaChoiceField(
        CHANGE,
        max_level=Level.COMMUNITY,
        label=_("所在社区"),
        narrow=lambda qs: qs.filter(level=Level.COMMUNITY).order_by("path"),
    )
    name = forms.CharField(label=_("岗位名称"), max_length=60)
    team = ScopedModelChoiceField(
        Team, CHANGE, label=_("服务队"), required=False, narrow=lambda qs: qs.order_by("name")
    )
    skills = forms.CharField(label=_("所需专长"), max_length=200, help_text=LIST_HELP)
    description = forms.CharField(
        label=_("岗位职责"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    open_to_residents = forms.BooleanField(
        label=_("居民志愿者可报名"), required=False, initial=True
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class PostEditForm(PostForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["community"]


class CertificateForm(forms.Form):
    period_from = forms.DateField(
        label=_("起始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("不填则自首次服务起"),
    )
    period_to = HappenedDateField(label=_("截止日期"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"period_to": timezone.localdate()})
        super().__init__(*args, **kwargs)
