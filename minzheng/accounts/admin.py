"""Django admin for staff accounts (superusers only; day-to-day administration uses /accounts/users/)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from minzheng.accounts.models import ApiToken, User


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "role", "division", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_superuser")
    search_fields = ("username", "full_name", "division__code", "division__name")
    raw_id_fields = ("division",)
    list_select_related = ("division",)
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("民政业务", {"fields": ("full_name", "role", "division")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("民政业务", {"fields": ("full_name", "role", "division")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by ``create_api_token``; the admin may only inspect and revoke them."""

    list_display = ("name", "user", "key_prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "key_prefix")
    exclude = ("key_hash",)
    readonly_fields = ("user", "name", "key_prefix", "created_at", "last_used_at", "expires_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
