"""Writes of payments (one transaction each, the caller's when there is one, with an audit event): the payroll
(``payroll``), the bank file and reconciliation (``bank``) and the township reserve funds (``reserve``)."""

from minzheng.payments.services.bank import payment_mark_paid_otherwise as payment_mark_paid_otherwise
from minzheng.payments.services.bank import payroll_bank_batch as payroll_bank_batch
from minzheng.payments.services.bank import payroll_bank_file as payroll_bank_file
from minzheng.payments.services.bank import payroll_result_import as payroll_result_import
from minzheng.payments.services.payroll import Progress as Progress
from minzheng.payments.services.payroll import payroll_approve as payroll_approve
from minzheng.payments.services.payroll import payroll_generate as payroll_generate
from minzheng.payments.services.payroll import payroll_reject as payroll_reject
from minzheng.payments.services.payroll import payroll_submit as payroll_submit
from minzheng.payments.services.payroll import payroll_transition as payroll_transition
from minzheng.payments.services.reserve import RESERVE_ROLES as RESERVE_ROLES
from minzheng.payments.services.reserve import AidClaim as AidClaim
from minzheng.payments.services.reserve import reserve_allocate as reserve_allocate
from minzheng.payments.services.reserve import reserve_draw as reserve_draw
from minzheng.payments.services.reserve import reserve_settle as reserve_settle
