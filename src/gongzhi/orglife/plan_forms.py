"""Forms of the plan and compliance pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.choices import Level
from gongzhi.areas.forms import AreaChoiceField
from gongzhi.core.forms import ScopedModelChoiceField, scope_fields
from gongzhi.party.choices import OrgType
from gongzhi.party.models import Organization

from .permissions import CHANGE, VIEW
from .plans import FIRST_YEAR, LAST_YEAR, PLANNED_TYPES

# Organizations with organizations under them: the roots a calendar is drawn for.
PARENT_TYPES = (OrgType.WORKING_COMMITTEE, OrgType.COMMITTEE, OrgType.GENERAL_BRANCH)


def _year_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(label=_("年度"), min_value=FIRST_YEAR, max_value=LAST_YEAR, **kwargs)


class CalendarForm(forms.Form):
    """The subtree and year of the compliance calendar (and of the plans list)."""

    year = _year_field(required=False)
    area = AreaChoiceField(VIEW, max_level=Level.COMMUNITY, required=False, label=_("区域"))
    organization = ScopedModelChoiceField(
        Organization,
        VIEW,
        narrow=lambda qs: qs.filter(org_type__in=PARENT_TYPES, is_active=True).order_by(
            "tree_path"
        ),
        required=False,
        label=_("上级党组织"),
        empty_label=_("全部"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope_fields(self, user)
        self.fields["area"].empty_label = _("全部")


class PlanGenerateForm(forms.Form):
    organization = ScopedModelChoiceField(
        Organization,
        CHANGE,
        narrow=lambda qs: qs.filter(org_type__in=PLANNED_TYPES, is_active=True),
        label=_("党组织"),
        widget=forms.HiddenInput,
    )
    year = _year_field()
    theme_day = forms.IntegerField(
        label=_("主题党日固定日"), min_value=1, max_value=28, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope_fields(self, user)


class GenerateAllForm(forms.Form):
    year = _year_field()
    area = AreaChoiceField(CHANGE, max_level=Level.COMMUNITY, label=_("区域"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope_fields(self, user)


class ThemeDayForm(forms.Form):
    theme_day = forms.IntegerField(label=_("主题党日固定日"), min_value=1, max_value=28)
    version = forms.IntegerField(widget=forms.HiddenInput)
