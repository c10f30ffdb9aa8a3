"""Pure checks on registry data (no ORM)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from minzheng.common.errors import ValidationFailed
from minzheng.common.identity import ResidentId

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_BANK_ACCOUNT = re.compile(r"^\d{12,30}$")


def normalise_phone(value: str) -> str:
    """Mainland mobile (11 digits starting 13–19) or landline with area code; spaces removed."""
    phone = re.sub(r"[\s()（）-]", "", value or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not phone:
        return ""
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise ValidationFailed(
            f"联系电话 {value} 格式不正确：手机为 11 位数字，座机为区号加号码",
            field="phone",
            code="phone_format",
        )
    return phone


def normalise_bank_account(value: str) -> str:
    account = re.sub(r"[\s-]", "", value or "")
    if account and not _BANK_ACCOUNT.match(account):
        raise ValidationFailed("银行账号应为 12–30 位数字", field="bank_account", code="bank_account_format")
    return account


def check_declared_identity(resident_id: ResidentId, *, birth_date: dt.date | None, sex: str | None) -> None:
    """A birth date or sex typed in beside the ID number must agree with it (GB 11643-1999)."""
    if birth_date is not None and birth_date != resident_id.birth_date:
        raise ValidationFailed(
            f"出生日期 {birth_date:%Y-%m-%d} 与身份证号码中的 {resident_id.birth_date:%Y-%m-%d} 不一致",
            field="birth_date",
            code="birth_date_mismatch",
        )
    if sex and sex != resident_id.sex.value:
        expected = "男" if resident_id.sex.value == "male" else "女"
        raise ValidationFailed(
            f"性别与身份证号码不一致（第 17 位表示{expected}性）", field="sex", code="sex_mismatch"
        )


def check_death_date(death_date: dt.date | None, *, birth_date: dt.date, today: dt.date) -> None:
    if death_date is None:
        return
    if death_date < birth_date:
        raise ValidationFailed("死亡日期不能早于出生日期", field="death_date", code="death_before_birth")
    if death_date > today:
        raise ValidationFailed("死亡日期不能晚于今天", field="death_date", code="death_in_future")


def check_disability(category: str, grade: int | None) -> None:
    """Category and grade are given together (GB/T 26341-2010 grades 1–4)."""
    if category and grade is None:
        raise ValidationFailed(
            "填写了残疾类别时必须填写残疾等级", field="disability_grade", code="disability_grade"
        )
    if not category and grade is not None:
        raise ValidationFailed(
            "填写残疾等级时必须选择残疾类别", field="disability_category", code="disability_category"
        )
    if grade is not None and grade not in (1, 2, 3, 4):
        raise ValidationFailed("残疾等级应为一至四级", field="disability_grade", code="disability_grade")


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Completed years of age on a date."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


# Unicode categories no name contains: controls (NUL, ESC of ANSI escapes, line breaks), format characters
# (zero-width spaces and joiners, the right-to-left override U+202E), line and paragraph separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
NAME_MAX_LENGTH = 50


def normalise_person_name(value: str, *, field: str = "name") -> str:
    """A person's name as stored: trimmed, inner runs of spaces made one (names such as “阿拉坦 巴根” keep
    their space), with no invisible or control character — they make a name look like another on screen and
    in exports, or break a bank file (issue 16 §6). Raises ``ValidationFailed`` naming the problem."""
    name = " ".join(part for part in (value or "").strip().split(" ") if part)
    if not name:
        raise ValidationFailed("请填写姓名", field=field, code="name_required")
    if any(unicodedata.category(char) in _INVISIBLE_CATEGORIES for char in name):
        raise ValidationFailed(
            "姓名含有换行、零宽字符、方向控制符等不可见字符，请删除后重新输入",
            field=field,
            code="name_invisible",
        )
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationFailed(f"姓名不能超过 {NAME_MAX_LENGTH} 个字", field=field, code="name_length")
    return name


def check_income_period(
    period_start: dt.date, period_end: dt.date, *, death_date: dt.date | None = None
) -> None:
    """An income record covers a period that ends on or after it starts (审核确认办法第 13 条: income over a
    stated period), and a member's record ends by the member's death: 《民法典》第 13 条 — civil capacity
    ends at death — and 审核确认办法第 7 条 — the deceased is no longer a co-resident family member. A
    record running past the death date is refused at entry (enter it up to the death date); records
    stored before this rule are split at the death date by the benefit engine (``means_test``)."""
    if period_end < period_start:
        raise ValidationFailed("所属期止不能早于所属期起", field="period_end", code="period_order")
    if death_date is not None and period_end > death_date:
        raise ValidationFailed(
            f"该成员已于 {death_date:%Y-%m-%d} 死亡，收入所属期不能晚于死亡日期；请录入至 "
            f"{death_date:%Y-%m-%d} 为止（民法典第 13 条；最低生活保障审核确认办法第 7 条）",
            field="period_end",
            code="income_after_death",
        )
