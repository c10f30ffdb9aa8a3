"""Moved to ``minzheng.common.jobs`` (issue 13); this alias goes once every caller is updated."""

from minzheng.common.jobs import ACTIVE as ACTIVE
from minzheng.common.jobs import job_link as job_link
from minzheng.common.jobs import progress_report as progress_report
