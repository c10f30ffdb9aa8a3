"""Django admin for the registry: read-only, masked columns only, field history via simple-history.

The ``*_encrypted`` ciphertext and ``*_index`` blind-index columns are never shown (ADR 0008);
unmasked values are available only through ``person_reveal_personal_data``, which is audited.
"""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from minzheng.common.admin import ReadOnlyAdminMixin
from minzheng.registry.models import AssetRecord, Household, IncomeRecord, Membership, Person, StaffRelative

HOUSEHOLD_SECRET_FIELDS = ("bank_account_encrypted", "bank_account_index")
PERSON_SECRET_FIELDS = ("id_number_encrypted", "id_number_index", "phone_encrypted", "phone_index")


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("id", "hukou_division", "urban_rural", "head", "member_count", "bank_account_masked")
    list_filter = ("urban_rural",)
    search_fields = ("=id", "hukou_division__code", "head__name")
    exclude = HOUSEHOLD_SECRET_FIELDS
    raw_id_fields = ("hukou_division", "residence_division", "head", "created_by")
    list_select_related = ("hukou_division", "head")
    show_full_result_count = False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("id", "name", "id_number_masked", "sex", "birth_date", "phone_masked", "household")
    list_filter = ("sex", "disability_category", "employment_status")
    search_fields = ("=id", "name")
    exclude = PERSON_SECRET_FIELDS
    raw_id_fields = ("household",)
    show_full_result_count = False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("household", "person", "relation_to_head", "joined_on", "left_on")
    raw_id_fields = ("household", "person")
    show_full_result_count = False


@admin.register(IncomeRecord)
class IncomeRecordAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("household", "person", "category", "amount", "period_start", "period_end", "source")
    list_filter = ("category", "source")
    raw_id_fields = ("household", "person", "recorded_by")
    show_full_result_count = False


@admin.register(AssetRecord)
class AssetRecordAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("household", "person", "category", "value", "valued_on", "exempt")
    list_filter = ("category", "exempt")
    raw_id_fields = ("household", "person", "recorded_by")
    show_full_result_count = False


@admin.register(StaffRelative)
class StaffRelativeAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("staff_name", "staff_position", "staff_division", "relative", "relation", "registered_on")
    list_filter = ("staff_position", "relation")
    raw_id_fields = ("relative", "staff_user", "staff_division", "registered_by")
    show_full_result_count = False
