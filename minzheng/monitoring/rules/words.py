"""A warning rule's condition in words (issue 14 §6: rule conditions as readable Chinese, not raw JSON).

``condition_words`` renders the JSON condition language (``conditions``) for the rule pages: indicators,
feeds, programmes, categories and policy parameters by their Chinese labels, comparisons with ≥/≤ signs,
``all``/``any``/``not`` as 且/或/不. Pure; the condition need not be valid (a draft being written) — an
unknown piece is said to be unknown rather than shown as code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from minzheng.catalogue.programmes import label as programme_label
from minzheng.monitoring.rules.categories import CATEGORY_LABELS, Category
from minzheng.monitoring.rules.conditions import FLAG_INDICATORS, NUMBER_INDICATORS
from minzheng.monitoring.rules.feed_registry import FEEDS
from minzheng.policy.rules import PARAMETER_KEYS

# How a feed batch came in (FeedBatch.channel), in words.
CHANNEL_LABELS: Final = {"upload": "页面上传", "api": "数据接口", "command": "命令行导入", "demo": "演示数据"}
SIGNS: Final = {">": ">", ">=": "≥", "<": "<", "<=": "≤", "=": "=", "!=": "≠"}
ARITHMETIC_SIGNS: Final = {"add": " + ", "sub": " − ", "mul": " × "}
UNKNOWN: Final = "（无法识别的条件）"


def condition_words(node: Any) -> str:
    """The condition as one Chinese sentence, e.g. ``正在享受救助项目：最低生活保障，且
    医疗支出金额合计（近12个月） ≥ （上年度居民人均可支配收入（政策参数） × 0.5）``."""
    if not isinstance(node, Mapping):
        return UNKNOWN
    for key, joiner in (("all", "，且 "), ("any", "，或 ")):
        if key in node and isinstance(node[key], list):
            parts = [_nested(item) for item in node[key]]
            return joiner.join(parts) if parts else UNKNOWN
    if "not" in node:
        return f"不满足（{condition_words(node['not'])}）"
    if "flag" in node:
        return _flag(node)
    if "op" in node:
        sign = SIGNS.get(str(node.get("op")), str(node.get("op")))
        return f"{number_words(node.get('left'))} {sign} {number_words(node.get('right'))}"
    return UNKNOWN


def _nested(node: Any) -> str:
    text = condition_words(node)
    nested = isinstance(node, Mapping) and ("all" in node or "any" in node)
    return f"（{text}）" if nested else text


def _flag(node: Mapping[str, Any]) -> str:
    name = node.get("flag")
    label = FLAG_INDICATORS.get(name, (UNKNOWN, set()))[0] if isinstance(name, str) else UNKNOWN
    if name == "receives":
        return f"{label}：{'、'.join(programme_label(str(p)) for p in node.get('programmes') or [])}"
    if name == "in_category":
        categories = [
            CATEGORY_LABELS.get(Category(c), str(c)) if c in set(Category) else str(c)
            for c in node.get("categories") or []
        ]
        return f"{label}：{'、'.join(categories)}"
    return label


def number_words(node: Any) -> str:
    """A number of the condition in words: a figure, a policy parameter, an indicator or a calculation."""
    if isinstance(node, bool):
        return UNKNOWN
    if isinstance(node, int | float | str) and not isinstance(node, Mapping):
        return str(node)
    if not isinstance(node, Mapping):
        return UNKNOWN
    if "param" in node:
        definition = PARAMETER_KEYS.get(str(node["param"]))
        return f"{definition.label}（政策参数）" if definition else "未知的政策参数"
    for name, sign in ARITHMETIC_SIGNS.items():
        if name in node and isinstance(node[name], list):
            return "（" + sign.join(number_words(item) for item in node[name]) + "）"
    if "indicator" in node:
        return _indicator(node)
    return UNKNOWN


def _indicator(node: Mapping[str, Any]) -> str:
    name = node.get("indicator")
    if name not in ("feed_amount", "feed_count"):
        return NUMBER_INDICATORS.get(str(name), (UNKNOWN, set()))[0]
    feed = FEEDS.get(str(node.get("feed")))
    if feed is None:
        return "未知的部门数据"
    months = node.get("months") or 0
    window = f"近{months}个月" if months else "全部时间"
    codes = [str(c) for c in node.get("codes") or []]
    labels = _code_labels(feed.code, codes)
    filtered = f"（{'、'.join(labels)}）" if labels else ""
    what = "金额合计" if name == "feed_amount" else "记录数"
    department = "" if feed.label.startswith(feed.department) else feed.department
    return f"{department}{feed.label}{filtered}{what}（{window}）"


def _code_labels(feed: str, codes: list[str]) -> list[str]:
    """The Chinese labels of a feed's codes, from the feed column that carries codes (its ``choices``)."""
    choices: dict[str, str] = {}
    for column in FEEDS[feed].columns:
        if column.role == "code":
            choices.update(column.choices)
    return [choices.get(code, code) for code in codes]
