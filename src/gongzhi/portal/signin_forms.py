"""The phone sign-in form: a number, then the code sent to it."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SignInForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": _("11位手机号")}
        ),
    )
    code = forms.CharField(
        label=_("验证码"),
        max_length=6,
        required=False,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]*",
                "placeholder": _("6位数字"),
            }
        ),
    )
