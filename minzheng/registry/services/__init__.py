"""Writes to the registry. Every service runs in one transaction and records an audit event.

Services validate domain rules and raise ``DomainError`` subclasses naming the field at fault;
nothing is written when one is raised (the surrounding transaction rolls back). ``households``: households,
members and memberships; ``online``: what the applicant declares in the portal; ``records``: income and asset
records, the staff-relative register and revealing personal data.
"""

from minzheng.registry.services._base import BANK_INDEX as BANK_INDEX
from minzheng.registry.services._base import ID_INDEX as ID_INDEX
from minzheng.registry.services._base import PHONE_INDEX as PHONE_INDEX
from minzheng.registry.services._base import HouseholdData as HouseholdData
from minzheng.registry.services._base import PersonData as PersonData
from minzheng.registry.services.households import household_create as household_create
from minzheng.registry.services.households import household_update as household_update
from minzheng.registry.services.households import membership_end as membership_end
from minzheng.registry.services.households import person_add_to_household as person_add_to_household
from minzheng.registry.services.households import person_data_from_instance as person_data_from_instance
from minzheng.registry.services.households import person_update as person_update
from minzheng.registry.services.online import DeclaredAsset as DeclaredAsset
from minzheng.registry.services.online import DeclaredIncome as DeclaredIncome
from minzheng.registry.services.online import OnlineMember as OnlineMember
from minzheng.registry.services.online import declarations_record_online as declarations_record_online
from minzheng.registry.services.online import household_create_online as household_create_online
from minzheng.registry.services.records import asset_record_add as asset_record_add
from minzheng.registry.services.records import income_record_add as income_record_add
from minzheng.registry.services.records import person_reveal_personal_data as person_reveal_personal_data
from minzheng.registry.services.records import staff_relative_register as staff_relative_register
