"""Warning rules, their versions and the coverage table read in words (issue 14 §6: no raw codes)."""

from __future__ import annotations

import re

import pytest

from minzheng.catalogue.programmes import Programme
from minzheng.monitoring.rules import BUILTIN_RULES
from minzheng.monitoring.rules.words import UNKNOWN, condition_words


def test_a_rule_reads_as_a_sentence() -> None:
    condition = {
        "all": [
            {"flag": "receives", "programmes": [Programme.DIBAO]},
            {"any": [
                {"left": {"indicator": "feed_count", "feed": "disaster_victim", "months": 1}, "op": ">=", "right": 1},
                {"not": {"flag": "is_head"}},
            ]},
            {"left": {"indicator": "income_monthly_per_capita"}, "op": "<=",
             "right": {"mul": [{"param": "dibao.standard_monthly"}, 1.5]}},
        ]
    }  # fmt: skip

    assert condition_words(condition) == (
        "正在享受救助项目：最低生活保障，且 （应急受灾人员记录数（近1个月） ≥ 1，或 不满足（为户主（主要劳动力））），且 "
        "家庭月人均收入（低保口径） ≤ （最低生活保障标准（政策参数） × 1.5）"
    )


def test_unknown_pieces_are_named_as_unknown_not_printed_as_code() -> None:
    assert condition_words({"flag": "bogus_flag"}) == UNKNOWN
    assert condition_words({"left": {"param": "no.such_key"}, "op": ">", "right": 1}) == "未知的政策参数 > 1"
    assert condition_words([]) == UNKNOWN


@pytest.mark.parametrize("rule", BUILTIN_RULES, ids=lambda r: r["code"] if isinstance(r, dict) else r.code)
def test_every_builtin_rule_reads_without_codes(rule) -> None:
    condition = rule["condition"] if isinstance(rule, dict) else rule.condition
    words = condition_words(condition)
    assert UNKNOWN not in words
    assert re.search(r"[a-z]+_[a-z_]+|\b[a-z]+\.[a-z_]+", words) is None, words


def test_the_rule_pages_show_titles_versions_and_the_condition_in_words(monitoring_ready, users) -> None:
    from django.test import Client

    from minzheng.monitoring.models import WarningRule

    rule = WarningRule.objects.get(code="deceased_still_paid", status="published")
    client = Client()
    client.force_login(users["region"])

    listing = client.get("/monitoring/rules/").content.decode()
    detail = client.get(f"/monitoring/rules/{rule.pk}/").content.decode()

    row = re.search(r'<tr data-rule="deceased_still_paid"[^>]*>(.*?)</tr>', listing, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
    assert cells[:2] == [rule.title, f"第 {rule.version} 版"]
    assert "deceased_still_paid" not in " ".join(cells)
    assert f"{rule.title}（第 {rule.version} 版，已发布）" in detail
    words = re.search(r'<p class="mb-0" id="condition-words">(.*?)</p>', detail, re.S).group(1)
    assert words == "已死亡（登记或公安死亡数据），且 正在享受救助项目：最低生活保障、特困人员救助供养"
