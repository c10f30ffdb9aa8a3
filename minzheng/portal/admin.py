"""Django admin for the portal: read-only views of accounts, the SMS outbox and household QR tokens
(masked values only; nothing here decrypts). Changes go through the services and pages."""

from __future__ import annotations

from django.contrib import admin

from minzheng.divisions.admin import ReadOnlyAdminMixin
from minzheng.portal.models import HouseholdToken, PortalAccount, SmsMessage


@admin.register(PortalAccount)
class PortalAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "phone_masked",
        "name",
        "id_number_masked",
        "person",
        "bound_at",
        "last_sign_in_at",
        "is_active",
    )
    list_filter = ("is_active",)
    fields = (
        "phone_masked",
        "name",
        "id_number_masked",
        "person",
        "bound_at",
        "last_sign_in_at",
        "is_active",
    )
    show_full_result_count = False


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "phone_masked", "template", "status", "gateway", "sent_at", "error")
    list_filter = ("status", "template")
    fields = ("created_at", "phone_masked", "template", "body", "application", "status", "gateway",
              "gateway_reference", "error", "sent_at")  # fmt: skip
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(HouseholdToken)
class HouseholdTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("household", "issued_by", "issued_at", "expires_at", "revoked_at", "revoked_by")
    fields = ("household", "issued_by", "issued_at", "expires_at", "revoked_at", "revoked_by")
    show_full_result_count = False
