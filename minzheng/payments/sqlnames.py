"""The table names and stored values the raw SQL of payments refers to, read from the models, so a renamed
table or status is one change and a typo fails at import (issue 13). Used as ``{n.LINE}`` in the SQL text."""

from __future__ import annotations

from typing import Final

from minzheng.divisions.models import Division
from minzheng.enrolments.models import Enrolment, EnrolmentStatus, EntitlementPeriod
from minzheng.payments.models import Payroll, PayrollLine
from minzheng.payments.rules import LineKind, PaymentStatus, PayrollStatus
from minzheng.registry.models import Household, Person

LINE: Final = PayrollLine._meta.db_table
PAYROLL: Final = Payroll._meta.db_table
ENROLMENT: Final = Enrolment._meta.db_table
PERIOD: Final = EntitlementPeriod._meta.db_table
DIVISION: Final = Division._meta.db_table
HOUSEHOLD: Final = Household._meta.db_table
PERSON: Final = Person._meta.db_table

SUSPENDED: Final = EnrolmentStatus.SUSPENDED.value
APPROVED: Final = PayrollStatus.APPROVED.value
GENERATING: Final = PayrollStatus.GENERATING.value
PENDING: Final = PaymentStatus.PENDING.value
PAID: Final = PaymentStatus.PAID.value
FAILED: Final = PaymentStatus.FAILED.value
PAID_OTHERWISE: Final = PaymentStatus.PAID_OTHERWISE.value
OFFSET: Final = PaymentStatus.OFFSET.value
REGULAR: Final = LineKind.REGULAR.value
RETRY: Final = LineKind.RETRY.value
ADJUSTMENT: Final = LineKind.ADJUSTMENT.value
