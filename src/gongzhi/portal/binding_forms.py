"""Forms of the household binding: the resident's request, the staff's decision."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area

from . import binding


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return obj.name


class BindingRequestForm(forms.Form):
    community = AreaChoiceField(
        label=_("所在社区"), queryset=Area.objects.none(), empty_label=_("请选择")
    )
    building = AreaChoiceField(
        label=_("楼栋（可选）"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("不选，直接填写住址"),
    )
    address = forms.CharField(
        label=_("住址"),
        max_length=100,
        help_text=_("楼栋、单元、门牌，如“3栋2单元501”。"),
    )
    name = forms.CharField(label=_("您的姓名"), max_length=50)

    def __init__(self, *args, community: Area | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = binding.communities()
        if community is not None:
            self.fields["community"].initial = community.pk
            self.fields["building"].queryset = binding.buildings(community)
        else:
            del self.fields["building"]


class ConfirmForm(forms.Form):
    """``choice``: "<household id>:<resident id>", one radio button per candidate."""

    choice = forms.RegexField(
        label=_("本人"),
        regex=r"^\d+:\d+$",
        error_messages={"required": _("请选择申请人本人。"), "invalid": _("请选择申请人本人。")},
    )
    on_the_spot = forms.BooleanField(label=_("已上门核实"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("未通过原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写未通过的原因，居民会看到它。")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
