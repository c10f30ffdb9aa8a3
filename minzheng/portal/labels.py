"""Labels that the code keeps as Chinese constants — programme and workflow names (``catalogue.programmes``),
document kinds (``documents.DocumentKind``), disability categories (``registry.DisabilityCategory``),
application steps (``applications.rules.Step``) —
translated where the portal shows them (ADR 0040: the portal in traditional Mongolian).

The constants stay Chinese (stored data, staff pages, exports, tests name them); ``MESSAGES`` lists them for
``makemessages`` so that a catalogue can carry them, and a test keeps the list equal to the constants.
"""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

MESSAGES = (
    gettext_noop("最低生活保障"),
    gettext_noop("特困人员救助供养"),
    gettext_noop("临时救助"),
    gettext_noop("最低生活保障边缘家庭"),
    gettext_noop("刚性支出困难家庭"),
    gettext_noop("高龄津贴"),
    gettext_noop("困难残疾人生活补贴"),
    gettext_noop("重度残疾人护理补贴"),
    gettext_noop("孤儿基本生活保障"),
    gettext_noop("事实无人抚养儿童基本生活补贴"),
    gettext_noop("临时救助（急难型，先行救助）"),
    gettext_noop("临时救助（小额快救）"),
    gettext_noop("临时救助（支出型）"),
    gettext_noop("低保边缘家庭认定"),
    gettext_noop("刚性支出困难家庭认定"),
    gettext_noop("残疾人两项补贴"),
    gettext_noop("身份证明"),
    gettext_noop("户口簿"),
    gettext_noop("收入证明"),
    gettext_noop("财产证明"),
    gettext_noop("医疗费用票据"),
    gettext_noop("残疾证"),
    gettext_noop("承诺书及授权书"),
    gettext_noop("入户调查照片"),
    gettext_noop("决定书"),
    gettext_noop("其他"),
    gettext_noop("视力残疾"),
    gettext_noop("听力残疾"),
    gettext_noop("言语残疾"),
    gettext_noop("肢体残疾"),
    gettext_noop("智力残疾"),
    gettext_noop("精神残疾"),
    gettext_noop("多重残疾"),
    # application steps (``applications.rules.Step``), as the progress pages show them
    gettext_noop("已提交待受理"),
    gettext_noop("待补齐材料"),
    gettext_noop("已受理"),
    gettext_noop("家庭经济状况调查"),
    gettext_noop("信息核对"),
    gettext_noop("村（居）委会初审"),
    gettext_noop("乡镇初审"),
    gettext_noop("乡镇（街道）审核"),
    gettext_noop("县级残联审核"),
    gettext_noop("公示"),
    gettext_noop("民主评议"),
    gettext_noop("审核确认"),
    gettext_noop("一事一议"),
    gettext_noop("已先行救助待补办手续"),
    gettext_noop("已批准"),
    gettext_noop("不予批准"),
    gettext_noop("已撤回"),
    gettext_noop("已终止"),
)


def label(text: object) -> str:
    """``text`` (one of ``MESSAGES``) in the active language; any other text unchanged."""
    return gettext(str(text))


label_lazy = lazy(label, str)
