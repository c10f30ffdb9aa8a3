"""Pure rules of providers (issue 17 §4): the credit code check and the service-area test. No ORM."""

from __future__ import annotations

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength


def credit_code_check(raw: str) -> str:
    """The normalised 18-character unified social credit code (GB 32100-2015), or ``ValueError`` with a
    Chinese message saying what is wrong."""
    code = (raw or "").strip().upper().replace(" ", "")
    if not code:
        raise ValueError("请填写统一社会信用代码")
    try:
        return str(uscc.validate(code))
    except InvalidLength:
        raise ValueError(f"统一社会信用代码应为 18 位，实际为 {len(code)} 位") from None
    except InvalidChecksum:
        raise ValueError("统一社会信用代码校验位不正确，请核对最后一位") from None
    except (InvalidFormat, InvalidComponent):
        raise ValueError("统一社会信用代码含有不允许的字符（不得使用 I、O、Z、S、V）或格式不正确") from None


def area_covers(area_codes: list[str], village_code: str) -> bool:
    """Whether a provider serving ``area_codes`` (township or county divisions, 12 digits) serves the
    village: the village code starts with the significant prefix of one of the areas."""
    return any(village_code.startswith(significant_prefix(code)) for code in area_codes)


def significant_prefix(code: str) -> str:
    """The prefix that names a division's subtree: 150102001000 → 150102001, 150102000000 → 150102."""
    for length in (2, 4, 6, 9):
        if code[length:] == "0" * (12 - length):
            return code[:length]
    return code
