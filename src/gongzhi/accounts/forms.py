from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """Every failure reads the same, so the page never tells whether an account exists."""

    error_messages = {
        "invalid_login": _("账号或密码错误。连续失败5次将锁定15分钟。"),
        "inactive": _("账号或密码错误。连续失败5次将锁定15分钟。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("账号")
        self.fields["password"].label = _("密码")
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"


class ChangePasswordForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("原密码")
        self.fields["new_password1"].label = _("新密码")
        self.fields["new_password2"].label = _("确认新密码")


class TokenForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=50)
    days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=365, initial=90)
