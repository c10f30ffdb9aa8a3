"""Policy-parameter pages: the list with filters and Excel export, one key's history with a chart, and
the two-step form that writes a new version (docs/policy-parameters.md, "维护页面").

Reads go through ``selectors.parameter_list(actor=…)`` (the actor's ancestors and subtree); the write
goes through ``services.parameter_set``. The form first shows what the write will do (``rules.plan_chain``
over the chain's current rows) and saves only when that preview is confirmed unchanged: a hidden token
fingerprints the rows the preview was planned on. A repeated confirmation finds its version already
stored and writes nothing (the service is idempotent for an identical entry)."""

from minzheng.policy.views._base import NUMERIC_KINDS as NUMERIC_KINDS
from minzheng.policy.views._base import STATUS_BADGES as STATUS_BADGES
from minzheng.policy.views._base import XLSX as XLSX
from minzheng.policy.views.display import FIELD_LABELS as FIELD_LABELS
from minzheng.policy.views.display import FIELD_ORDER as FIELD_ORDER
from minzheng.policy.views.display import ParameterItem as ParameterItem
from minzheng.policy.views.display import ValueDisplay as ValueDisplay
from minzheng.policy.views.display import value_display as value_display
from minzheng.policy.views.lists import EXPORT_HEADERS as EXPORT_HEADERS
from minzheng.policy.views.lists import NUMBER_FORMATS as NUMBER_FORMATS
from minzheng.policy.views.lists import SORT_COLUMNS as SORT_COLUMNS
from minzheng.policy.views.lists import ChainHistory as ChainHistory
from minzheng.policy.views.lists import VersionItem as VersionItem
from minzheng.policy.views.lists import chart_series as chart_series
from minzheng.policy.views.lists import parameter_export as parameter_export
from minzheng.policy.views.lists import parameter_history as parameter_history
from minzheng.policy.views.lists import parameter_list as parameter_list
from minzheng.policy.views.notices import parameter_notice_import as parameter_notice_import
from minzheng.policy.views.versions import VALUE_HINTS as VALUE_HINTS
from minzheng.policy.views.versions import parameter_create as parameter_create
