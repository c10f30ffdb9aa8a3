"""Strong passwords: at least three of upper case, lower case, digits and symbols; none of the user's recent
passwords; never a password published in the documentation (issue 16 §8, 等保三级 identity controls)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    """Django's length rule with our own Chinese message: Django 5.2 changed its message's msgid (``%d``) and
    its zh_Hans catalogue still has the old one, so the Chinese interface showed the English sentence."""

    def get_error_message(self) -> str:
        return _("密码太短，至少须 %(min_length)d 个字符") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少须 %(min_length)d 个字符。") % {"min_length": self.min_length}


class CharacterClassValidator:
    min_classes = 3

    def validate(self, password: str, user: Any = None) -> None:
        classes = sum(
            [
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )
        if classes < self.min_classes:
            raise ValidationError(
                _("密码须至少包含大写字母、小写字母、数字、符号中的三类"), code="password_too_simple"
            )

    def get_help_text(self) -> str:
        return _("密码须至少包含大写字母、小写字母、数字、符号中的三类。")


# Passwords printed in the README and the demo output: anyone can read them, so no account may choose one.
PUBLISHED_PASSWORDS = frozenset({"Minzheng@2026"})


class PublishedPasswordValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if password in PUBLISHED_PASSWORDS:
            raise ValidationError(_("该密码已在系统文档中公开，不能使用"), code="password_published")

    def get_help_text(self) -> str:
        return _("不能使用系统文档中公开的演示密码。")


class PasswordHistoryValidator:
    """The new password may not be the current one nor any of the ``count`` before it."""

    def __init__(self, count: int = 5) -> None:
        self.count = count

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        from minzheng.accounts.models import PasswordHistory

        recent = [
            user.password,
            *PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[: self.count],
        ]
        if any(encoded and check_password(password, encoded) for encoded in recent):
            raise ValidationError(
                _("新密码不能与最近 %(count)s 次使用过的密码相同") % {"count": self.count},
                code="password_reused",
            )

    def password_changed(self, password: str, user: Any = None) -> None:
        """Called by Django once the new password is saved: remember its hash, keep the last ``count``."""
        if user is None or not getattr(user, "pk", None) or not user.password:
            return
        from minzheng.accounts.models import PasswordHistory

        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        stale = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[self.count :]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self) -> str:
        return _("不能与最近 %(count)s 次使用过的密码相同。") % {"count": self.count}
