"""Writes of the marriage area, one transaction per call (house style §8)."""

from minzheng.marriage.services.appointments import PartnerInput as PartnerInput
from minzheng.marriage.services.appointments import (
    appointment_attend_at_window as appointment_attend_at_window,
)
from minzheng.marriage.services.appointments import appointment_book as appointment_book
from minzheng.marriage.services.appointments import appointment_cancel as appointment_cancel
from minzheng.marriage.services.appointments import appointment_confirm as appointment_confirm
from minzheng.marriage.services.appointments import appointment_no_show as appointment_no_show
from minzheng.marriage.services.appointments import appointment_reschedule as appointment_reschedule
from minzheng.marriage.services.common import marriage_parameters_load as marriage_parameters_load
from minzheng.marriage.services.divorces import divorce_apply as divorce_apply
from minzheng.marriage.services.divorces import divorce_lapse_scan as divorce_lapse_scan
from minzheng.marriage.services.divorces import divorce_register as divorce_register
from minzheng.marriage.services.divorces import divorce_withdraw as divorce_withdraw
from minzheng.marriage.services.imports import ImportRejected as ImportRejected
from minzheng.marriage.services.imports import records_import as records_import
from minzheng.marriage.services.offices import office_create as office_create
from minzheng.marriage.services.offices import office_day_remove as office_day_remove
from minzheng.marriage.services.offices import office_day_set as office_day_set
from minzheng.marriage.services.offices import office_plan_set as office_plan_set
from minzheng.marriage.services.offices import slots_generate as slots_generate
from minzheng.marriage.services.registrations import CoupleInput as CoupleInput
from minzheng.marriage.services.registrations import RegistrationRefused as RegistrationRefused
from minzheng.marriage.services.registrations import certificate_reissue as certificate_reissue
from minzheng.marriage.services.registrations import marriage_register as marriage_register
from minzheng.marriage.services.registrations import record_correct as record_correct
from minzheng.marriage.services.scans import appointment_reminders_send as appointment_reminders_send
from minzheng.marriage.services.scans import appointments_no_show_scan as appointments_no_show_scan
from minzheng.marriage.services.scans import marriage_daily as marriage_daily
