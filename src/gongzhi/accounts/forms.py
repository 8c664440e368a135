from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.forms import AreaChoiceField
from gongzhi.core.forms import PhoneField, ScopedModelChoiceField, scope_fields
from gongzhi.party.models import Organization

from .models import TokenScope
from .permissions import MANAGE_USER
from .selectors import role_areas, role_organizations


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
    scope = forms.ChoiceField(
        label=_("权限"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        help_text=_("只读令牌只能查询；需要通过接口新增或修改数据时才选读写。"),
    )


class _RoleAreaFields(forms.Form):
    """A role and the area it is held on, offered only within what the actor may grant."""

    role = forms.ChoiceField(label=_("角色"))
    area = AreaChoiceField(MANAGE_USER, narrow=role_areas, label=_("管辖区域"))

    def __init__(self, *args, actor, **kwargs):
        from .selectors import role_choices

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "---------"), *role_choices(actor)]
        scope_fields(self, actor)


class UserCreateForm(_RoleAreaFields):
    username = forms.CharField(
        label=_("账号"),
        max_length=150,
        help_text=_("字母、数字和 @/./+/-/_，登录时使用，创建后不可修改。"),
    )
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = PhoneField(label=_("手机号"), max_length=20, required=False)
    password = forms.CharField(
        label=_("初始密码"),
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("至少10位，含大写字母、小写字母、数字、符号中的至少3类；首次登录须修改。"),
    )
    field_order = ["username", "full_name", "phone", "password", "role", "area"]


class RoleAssignForm(_RoleAreaFields):
    """A role on an area, or a party-only role (支部书记) on a party organization: it then
    reaches that organization's subtree of members, dues and development files only, and
    is recorded on the area the organization serves (ADR 0008)."""

    organization = ScopedModelChoiceField(
        Organization,
        MANAGE_USER,
        narrow=role_organizations,
        required=False,
        label=_("党组织"),
        help_text=_("仅支部书记可按党组织授权；选择党组织时管辖区域可不填。"),
    )
    field_order = ["role", "area", "organization"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["area"].required = False

    def clean(self):
        data = super().clean()
        if not data.get("area") and not data.get("organization") and not self.has_error("area"):
            self.add_error("area", _("请选择管辖区域或党组织。"))
        return data


class PasswordResetForm(forms.Form):
    password = forms.CharField(
        label=_("临时密码"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=_("用户下次登录时须修改；其 API 令牌将被吊销。"),
    )
    password2 = forms.CharField(label=_("确认临时密码"), strip=False, widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data
