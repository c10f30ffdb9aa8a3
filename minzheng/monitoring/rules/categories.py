"""低收入人口 categories and alert severities (国办发〔2023〕39号 §二; policy-rules.md §4.1), and the
names of the background work of 动态监测预警.

The categories derived from enrolments are the programmes' own codes: the catalogue names each
programme's ``monitoring_category``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from minzheng.catalogue.programmes import PROGRAMMES, Programme

BASIS_39: Final = "国办发〔2023〕39号"
RUN_JOB_KIND: Final = "monitoring_run"  # common.Job kinds of the background work started from the pages
PREVIEW_JOB_KIND: Final = "monitoring_rule_preview"
RUN_PHASE_LABELS: Final = {
    "match": "重新匹配部门数据",
    "population": "更新监测对象",
    "snapshot": "载入数据快照",
    "rules": "运行规则、写入预警",
    "escalate": "超期上报",
}


class Category(StrEnum):
    """低收入人口范围, 国办发〔2023〕39号 §二 (policy-rules.md §4.1): six categories."""

    DIBAO = Programme.DIBAO.value
    EXTREME_POVERTY = Programme.EXTREME_POVERTY_SUPPORT.value
    RETURN_TO_POVERTY_WATCH = "return_to_poverty_watch"
    MARGIN_HOUSEHOLD = Programme.MARGIN_HOUSEHOLD.value
    RIGID_EXPENSE_HOUSEHOLD = Programme.RIGID_EXPENSE_HOUSEHOLD.value
    OTHER_HARDSHIP = "other_hardship"


CATEGORY_LABELS: Final = {
    Category.DIBAO: "最低生活保障对象",
    Category.EXTREME_POVERTY: "特困人员",
    Category.RETURN_TO_POVERTY_WATCH: "防止返贫监测对象",
    Category.MARGIN_HOUSEHOLD: "最低生活保障边缘家庭成员",
    Category.RIGID_EXPENSE_HOUSEHOLD: "刚性支出困难家庭成员",
    Category.OTHER_HARDSHIP: "其他困难人员",
}
# Categories derived from enrolments: programme code → category (the catalogue's ``monitoring_category``).
PROGRAMME_CATEGORY: Final = {
    code: Category(spec.monitoring_category) for code, spec in PROGRAMMES.items() if spec.monitoring_category
}


class Severity(StrEnum):
    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"


SEVERITY_LABELS: Final = {Severity.RED: "红色", Severity.ORANGE: "橙色", Severity.YELLOW: "黄色"}
