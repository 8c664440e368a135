"""Forms of the visit pages: they parse input; the rules live in ``services``. Field names
are those of the services' refusals, so each lands at its field."""

from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.forms import HappenedDateField

from . import selectors
from .choices import SANBIDAO, WUBIFANG, FollowUp, VisitKind

TEXTAREA = forms.Textarea(attrs={"rows": 3})
MAX_PHOTOS = 9


def grouped_kinds() -> list[tuple[Any, Any]]:
    """The visit kinds grouped as people say them: 日常 / 三必到 / 五必访."""
    labels = dict(VisitKind.choices)
    daily = [k for k in VisitKind.values if k not in SANBIDAO and k not in WUBIFANG]
    return [
        (_("日常"), [(k, labels[k]) for k in daily]),
        (_("三必到"), [(k, labels[k]) for k in SANBIDAO]),
        (_("五必访"), [(k, labels[k]) for k in WUBIFANG]),
    ]


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once (checked by the attachments service: type by content, size,
    EXIF stripped)."""

    widget = MultiplePhotoInput(attrs={"accept": "image/*", "capture": "environment"})

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            files = [super(PhotosField, self).clean(d, initial) for d in data if d]
        else:
            files = [super().clean(data, initial)] if data else []
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("一次最多上传%(n)d张照片。") % {"n": MAX_PHOTOS})
        return files


class HouseholdChoiceField(forms.ModelChoiceField):
    """A household picked with the search box beside it (a hidden id); the choices are the
    households the user may visit."""

    widget = forms.HiddenInput

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.place_name())


class VisitForm(forms.Form):
    household = HouseholdChoiceField(
        label=_("走访户"),
        queryset=None,
        required=False,
        error_messages={"invalid_choice": _("该住户不存在或不在您可走访的范围内。")},
    )
    resident = forms.ModelChoiceField(
        label=_("走访对象（可不选）"),
        queryset=None,
        required=False,
        error_messages={"invalid_choice": _("所选走访对象不是该户的居民。")},
    )
    visited_on = HappenedDateField(label=_("走访日期"))
    kind = forms.ChoiceField(label=_("走访类型"), choices=grouped_kinds, initial=VisitKind.ROUTINE)
    found = forms.CharField(
        label=_("了解情况"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )
    photos = PhotosField(label=_("照片"), required=False)
    follow_up = forms.ChoiceField(
        label=_("后续处理"),
        choices=FollowUp.choices,
        initial=FollowUp.NONE,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["household"].queryset = selectors.visitable_households(user)
        if not self.initial.get("visited_on"):
            self.initial["visited_on"] = timezone.localdate()
        chosen = self.data.get("household") or self.initial.get("household")
        household = selectors.visitable_household(user, chosen)
        self.household_obj = household
        self.fields["resident"].queryset = selectors.household_residents(household)
        self.fields["resident"].label_from_instance = lambda r: r.name


def wish_url() -> str:
    """The page publishing a micro-wish from a visit (``service:wish_create?visit=``)."""
    return reverse("service:wish_create")


class DemandFromVisitForm(forms.Form):
    title = forms.CharField(label=_("诉求标题"), max_length=100)
    content = forms.CharField(label=_("诉求内容"), widget=forms.Textarea(attrs={"rows": 4}))
    suggestion = forms.CharField(
        label=_("意见建议（“1+1”）"), widget=TEXTAREA, required=False, max_length=2000
    )
