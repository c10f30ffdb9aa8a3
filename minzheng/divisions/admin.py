"""Django admin for divisions: read-only with change history (imports change them, ADR 0011)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from minzheng.common.admin import ReadOnlyAdminMixin as ReadOnlyAdminMixin
from minzheng.divisions.models import Division, DivisionCodeChange


@admin.register(Division)
class DivisionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("code", "name", "level", "urban_rural", "confirmation_delegated", "abolished_on")
    list_filter = ("level", "urban_rural", "confirmation_delegated")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    show_full_result_count = False


@admin.register(DivisionCodeChange)
class DivisionCodeChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("old_code", "new_code", "division", "effective_on", "note")
    search_fields = ("old_code", "new_code")
    raw_id_fields = ("division",)
