import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """A complex password: at least three of lower case, upper case, digits and symbols."""

    classes = (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]")

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        found = sum(bool(re.search(c, password)) for c in self.classes)
        if found < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少%(n)d类。")
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("密码须包含大写字母、小写字母、数字、符号中的至少%(n)d类。") % {
            "n": self.min_classes
        }


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its message in the product's words (Django's Simplified Chinese
    catalogue lacks the plural form of this one, so users read it in English)."""

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                _("密码太短，至少需要%(min_length)d个字符。") % {"min_length": self.min_length},
                code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self):
        return _("密码至少需要%(min_length)d个字符。") % {"min_length": self.min_length}
