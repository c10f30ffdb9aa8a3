"""Policy-parameter keys of eldercare: institutions (issue 17 §8).

* ``eldercare.institutions.rectification_working_days``: the working days an institution found 限期整改 or
  不合格 has to rectify, counted from the inspection day (《民法典》第二百零一条: the day itself not counted).
  No national figure is cited (UNCONFIRMED): without the parameter the deadline is 需人工核定.
* ``eldercare.institutions.checklist``: the county's inspection checklist, a list of ``{"code", "label"}``;
  without it the built-in GB 38600-2019 headings are used (``rules.institutions.BUILTIN_CHECKLIST``).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from minzheng.policy import values
from minzheng.policy.keydefs import Kind, ParameterKey, key_define

RECTIFICATION_WORKING_DAYS = "eldercare.institutions.rectification_working_days"
CHECKLIST = "eldercare.institutions.checklist"


def checklist_validate(raw: Any) -> list[dict[str, str]]:
    """A non-empty list of ``{"code", "label"}`` with distinct, non-empty codes and labels."""
    if not isinstance(raw, list) or not raw:
        raise values.ValueProblem("检查清单应为非空列表")
    items: list[dict[str, str]] = []
    for position, entry in enumerate(raw, start=1):
        code = str(entry.get("code", "")).strip() if isinstance(entry, dict) else ""
        label = str(entry.get("label", "")).strip() if isinstance(entry, dict) else ""
        if not code or not label:
            raise values.ValueProblem(f"检查清单第 {position} 项应有编号（code）和内容（label）")
        items.append({"code": code, "label": label})
    if len({item["code"] for item in items}) != len(items):
        raise values.ValueProblem("检查清单的编号不能重复")
    return items


KEYS: tuple[ParameterKey, ...] = (
    key_define(
        RECTIFICATION_WORKING_DAYS,
        "养老机构检查限期整改的期限",
        Kind.INTEGER,
        "工作日",
        None,
        partial(values.integer, where="工作日数", minimum=1, maximum=365),
    ),
    key_define(CHECKLIST, "养老机构双随机检查清单", Kind.JSON, "清单", None, checklist_validate),
)
