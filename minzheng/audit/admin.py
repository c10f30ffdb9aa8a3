"""Django admin for the audit trail: append-only, so read-only here."""

from __future__ import annotations

from django.contrib import admin

from minzheng.audit.models import Event, PersonalDataAccess
from minzheng.common.admin import ReadOnlyAdminMixin


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("occurred_at", "verb", "object_type", "object_id", "division_code", "actor", "summary")
    list_filter = ("verb", "object_type")
    search_fields = ("object_id", "division_code", "actor__username", "summary")
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("occurred_at", "actor", "person_id", "household_id", "fields", "purpose", "record_count")
    search_fields = ("actor__username", "=person_id", "=household_id", "purpose")
    date_hierarchy = "occurred_at"
    show_full_result_count = False
