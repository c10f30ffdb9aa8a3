"""Staff users. Every user is bound to one division and sees only its subtree (ADR 0006)."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from minzheng.catalogue.roles import Capability, Role, role_can
from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division


class StaffQuerySet(ScopedQuerySet["User"]):
    pass


class StaffManager(UserManager.from_queryset(StaffQuerySet)):  # type: ignore[misc]
    """Django's user manager (create_user …) with ``visible_to`` scoping."""


class User(AbstractUser):
    scope_path = "division__code"

    full_name = models.CharField("姓名", max_length=50, blank=True)
    role = models.CharField("角色", max_length=30, choices=Role.choices, default=Role.TOWNSHIP_CASEWORKER)
    division = models.ForeignKey(
        Division, verbose_name="所属区划", null=True, on_delete=models.PROTECT, related_name="staff"
    )
    # The interface language the user chose with the language switch; empty = the site's (简体中文).
    language = models.CharField("界面语言", max_length=10, blank=True, default="")

    objects = StaffManager()  # type: ignore[misc]

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"

    def __str__(self) -> str:
        return self.full_name or self.username

    def can(self, capability: Capability) -> bool:
        return self.is_active and role_can(self.role, capability)

    @property
    def scope_prefix(self) -> str | None:
        """Code prefix of the user's jurisdiction; ``None`` means no jurisdiction (sees nothing)."""
        return self.division.short_code if self.division_id and self.division else None


class ApiToken(models.Model):
    """Bearer token for integrations. Only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=80)
    key_prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash_key(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class PasswordHistory(models.Model):
    """The hashes of a user's recent passwords, so a new one cannot repeat them (等保三级: 口令定期更换且不得
    重复使用; ``validators.PasswordHistoryValidator``). Written when a password is set, never read back in
    clear — only compared through the password hasher."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"
