"""Moved to ``minzheng.common.scoping`` (issue 13); this alias goes once every caller is updated."""

from minzheng.common.scoping import ScopedQuerySet as ScopedQuerySet
from minzheng.common.scoping import code_in_scope as code_in_scope
