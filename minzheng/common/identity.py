"""Resident ID numbers (GB 11643-1999 《公民身份号码》), see policy-rules.md §7.1.

The checksum and birth date are checked with python-stdnum (``stdnum.cn.ric``). Its
address-code check is *not* used: it rejects real IDs whose county code was created
after the holder's birth year and crashes on unknown county codes (stack-notes §7);
GB 11643 keeps the code of first registration, which may be obsolete. Address codes
are checked softly against our own division table instead.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from minzheng.common.errors import ValidationFailed

_CHINA = ZoneInfo("Asia/Shanghai")


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: Sex

    @property
    def address_code(self) -> str:
        return self.number[:6]


def upgrade_15_to_18(value: str) -> str:
    """Legacy 15-digit ID → 18 digits: insert ``19`` before the year, append the check digit."""
    if len(value) != 15 or not value.isdigit():
        raise ValidationFailed("15 位身份证号码必须全部为数字", field="id_number", code="id_format")
    body = value[:6] + "19" + value[6:]
    return body + ric.calc_check_digit(body + "0")


def _known_province(number: str) -> bool:
    """The first two digits name a province in GB/T 2260 (python-stdnum's table). Only the province is
    required (for the 2023 foreigner's permanent residence card, the province after the leading 9): the
    six-digit code is the one at registration, which may have been abolished or created after
    the library's table, and the library's own check compares it with the birth year (stack-notes §7)."""
    if number[0] == "9":  # 外国人永久居留身份证（2023 版）: 9, then the province code of the issuing place
        return _province_listed(number[1:3])
    return _province_listed(number[:2])


@functools.cache
def _province_listed(code: str) -> bool:
    """Whether the two-digit ``code`` is a province of the table. Cached: the table lookup took most of the
    time of an ID check (≈ 0.4 ms), which bounded every import's rate; there are fewer than 100 codes."""
    return any("province" in props for _part, props in numdb.get("cn/loc").info(code + "0000"))


@functools.cache
def province_codes() -> frozenset[str]:
    """Every two-digit code ``_known_province`` accepts (for checks of a whole column at once)."""
    return frozenset(code for code in (f"{n:02d}" for n in range(100)) if _province_listed(code))


def parse_resident_id(value: str, *, field: str = "id_number") -> ResidentId:
    """Normalise and validate a resident ID number; raise ``ValidationFailed`` naming the reason.

    Accepts 18-digit numbers (lower-case ``x`` allowed) and 15-digit legacy numbers, which are
    upgraded (GB 11643-1999 §7.1 of policy-rules.md). Sex: 17th digit odd = male, even = female.
    """
    raw = ric.compact(value or "")
    if not raw:
        raise ValidationFailed("请填写身份证号码", field=field, code="id_required")
    if len(raw) == 15:
        raw = upgrade_15_to_18(raw)
    try:
        if len(raw) != 18:
            raise InvalidLength()
        if not raw[:-1].isdigit() or not (raw[-1].isdigit() or raw[-1] == "X"):
            raise InvalidFormat()
        birth = ric.get_birth_date(raw)
        if raw[-1] != ric.calc_check_digit(raw):
            raise InvalidChecksum()
    except InvalidLength:
        raise ValidationFailed(
            f"身份证号码应为 18 位（或 15 位旧号码），实际为 {len(raw)} 位", field=field, code="id_length"
        ) from None
    except InvalidFormat:
        raise ValidationFailed(
            "身份证号码只能包含数字，最后一位可为 X", field=field, code="id_format"
        ) from None
    except InvalidComponent:
        raise ValidationFailed(
            f"身份证号码中的出生日期 {raw[6:14]} 不是有效日期", field=field, code="id_birth_date"
        ) from None
    except InvalidChecksum:
        raise ValidationFailed(
            "身份证号码校验位错误，请核对后重新输入", field=field, code="id_checksum"
        ) from None
    if not _known_province(raw):
        raise ValidationFailed(
            f"身份证号码前两位 {raw[:2]} 不是有效的省级行政区划代码（GB/T 2260），请核对",
            field=field,
            code="id_area",
        )
    if birth > dt.datetime.now(tz=_CHINA).date() or birth.year < 1890:
        raise ValidationFailed(
            f"身份证号码中的出生日期 {birth:%Y-%m-%d} 不可能", field=field, code="id_birth_date"
        )
    sex = Sex.MALE if int(raw[16]) % 2 == 1 else Sex.FEMALE
    return ResidentId(number=raw, birth_date=birth, sex=sex)


def make_resident_id(address_code: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid 18-digit ID (demo data and tests). ``sequence`` 0–999; odd = male."""
    body = f"{address_code}{birth_date:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


_CHECK_CHARACTERS = "0123456789X"


@dataclass
class ResidentIds:
    """``parse_resident_ids`` of a column: per position the normalised number (``""`` when empty or
    invalid), birth date and sex, and the error message of each invalid position."""

    numbers: list[str]
    birth_dates: list[dt.date | None]
    sexes: list[str]
    errors: dict[int, str]


def parse_resident_ids(values: list[str], *, field: str = "id_number") -> ResidentIds:
    """``parse_resident_id`` over a whole column (the large imports). A canonical number — 18 ASCII
    characters, upper-case X — is checked inline by the same rules (checksum as ``stdnum.cn.ric``, birth
    date, province, date range; birth dates cached); any other value, and any value that fails, goes through
    ``parse_resident_id`` itself, so each message is exactly its message. Empty values get no number and
    no error (the caller reports a missing value)."""
    today = dt.datetime.now(tz=_CHINA).date()
    births: dict[str, dt.date | None] = {}
    result = ResidentIds([], [], [], {})
    for position, value in enumerate(values):
        birth, sex = None, Sex.FEMALE
        if (
            len(value) == 18
            and value.isascii()
            and value[:17].isdigit()
            and _CHECK_CHARACTERS[(1 - 2 * int(value[:17], 13)) % 11] == value[17]
            and _known_province(value)
        ):
            key = value[6:14]
            birth = births[key] if key in births else births.setdefault(key, _birth_date(key, today))
        if birth is not None:
            sex = Sex.MALE if value[16] in "13579" else Sex.FEMALE
        elif value:
            try:
                resident = parse_resident_id(value, field=field)
            except ValidationFailed as error:
                result.errors[position] = error.message
                value = ""
            else:
                value, birth, sex = resident.number, resident.birth_date, resident.sex
        result.numbers.append(value)
        result.birth_dates.append(birth)
        result.sexes.append(sex.value if birth is not None else "")
    return result


def _birth_date(digits: str, today: dt.date) -> dt.date | None:
    """``YYYYMMDD`` as a possible birth date, or ``None`` (then ``parse_resident_id`` names the reason)."""
    try:
        birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
    return birth if birth <= today and birth.year >= 1890 else None
