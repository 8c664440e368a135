"""The forms of a resident's demands: plain words, every problem at once, input kept."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.attachments.params import MAX_IMAGES
from gongzhi.core.params import value as param
from gongzhi.demands.choices import Rating
from gongzhi.demands.models import Category

from .params import (
    PHOTO_MAX_EDGE,
    PHOTO_MIN_EDGE,
    PHOTO_MIN_QUALITY,
    PHOTO_QUALITY,
    PHOTO_TARGET_KB,
)

# The numbers photos.js compresses with, as the input's data attributes.
PHOTO_ATTRS = {
    "data-max-photos": MAX_IMAGES,
    "data-max-edge": PHOTO_MAX_EDGE,
    "data-min-edge": PHOTO_MIN_EDGE,
    "data-target-kb": PHOTO_TARGET_KB,
    "data-quality": PHOTO_QUALITY,
    "data-min-quality": PHOTO_MIN_QUALITY,
}


class PhotosInput(forms.ClearableFileInput):
    """Several photos, with the numbers in force today for the browser's compression
    (read when the page is drawn, not when the form class is made)."""

    allow_multiple_selected = True

    def get_context(self, name, value, attrs):
        numbers = {attr: param(key) for attr, key in PHOTO_ATTRS.items()}
        return super().get_context(name, value, {**(attrs or {}), **numbers})


class PhotosField(forms.FileField):
    """Up to nine photos; the attachments service checks each by content and size. No
    ``capture`` attribute: Android's X5 engine in WeChat ignores it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", PhotosInput(attrs={"accept": "image/*", "data-photos": ""}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(f, initial) for f in files]


class SubmitForm(forms.Form):
    content = forms.CharField(
        label=_("遇到了什么问题"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "data-suggest": ""}),
        help_text=_("说清楚在哪里、什么情况、持续多久了。"),
    )
    category = forms.ModelChoiceField(
        label=_("问题类别"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        widget=forms.HiddenInput,
    )
    at_home = forms.BooleanField(label=_("就在我家"), required=False)
    area = forms.IntegerField(label=_("小区/院落或楼栋"), required=False, min_value=1)
    photos = PhotosField(label=_("照片"))
    suggestion = forms.CharField(
        label=_("我的建议（“1+1”）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("反映问题的同时，说说您觉得可以怎么解决。"),
    )
    anonymous = forms.BooleanField(
        label=_("对处理人匿名"),
        required=False,
        help_text=_("处理人看不到您的姓名和电话；您仍可在“我的诉求”中跟进。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The limit in force today (a parameter), in the label the resident reads first.
        self.fields["photos"].label = _("照片（最多%(n)d张）") % {"n": param(MAX_IMAGES)}


class RateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    rating = forms.ChoiceField(
        label=_("您的评价"), choices=Rating.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("评价意见"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InfoForm(forms.Form):
    note = forms.CharField(
        label=_("补充内容"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=_("照片"))


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("重办理由"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("说说问题哪里还没解决。"),
    )
