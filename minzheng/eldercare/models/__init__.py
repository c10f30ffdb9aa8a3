"""The models of eldercare, one module per part (docs/eldercare.md): people, providers, orders, assessment,
entitlements, visits, home care (family beds and home adaptation), settlement, institutions."""

# ruff: noqa: F403 - each part module declares its __all__; Django needs every model imported here
from minzheng.eldercare.models.assessment import *
from minzheng.eldercare.models.entitlements import *
from minzheng.eldercare.models.home_care import *
from minzheng.eldercare.models.institutions import *
from minzheng.eldercare.models.orders import *
from minzheng.eldercare.models.people import *
from minzheng.eldercare.models.providers import *
from minzheng.eldercare.models.settlement import *
from minzheng.eldercare.models.visits import *
