"""Who is an older person and the living-situation flags that data can tell (issue 17 §1). Pure.

- 老年人: a citizen aged 60 or over, 《中华人民共和国老年人权益保障法》 art. 2.
- 高龄: 80 or over. The law does not define it; 80 is the threshold of Inner Mongolia's 高龄津贴
  (《内蒙古自治区80岁以上低收入老年人高龄津贴发放管理办法》 and the 2017 universal extension,
  policy-figures.md §8, CONFIRMED).
  A claimed Ordos start at 75 is UNCERTAIN and concerns the allowance, which reads its own parameter
  (``senior_allowance.brackets``); the flag here only marks the register.
- 独居: the only current member of the household. 空巢: every current member is 60 or over (so one who lives
  alone is also 空巢). 重残: disability grade 1 or 2 (registry ``DisabilityGrade``: 1–2 are 重度).
- 低保/特困: an active enrolment (household enrolments cover every current member).
- 留守 and 失独 are reported by the village assistant or caseworker and are never derived.
"""

from __future__ import annotations

import datetime as dt

from minzheng.catalogue.programmes import Programme

OLDER_AGE = 60  # 老年人权益保障法 art. 2
ADVANCED_AGE = 80  # 内蒙古 高龄津贴 (see module docstring)
SEVERE_DISABILITY_GRADES = (1, 2)
# The 低保 flag field of ``OlderPerson`` is named after its programme code.
DIBAO_FLAG = str(Programme.DIBAO)


def born_on_or_before(today: dt.date, years: int) -> dt.date:
    """The latest birth date of someone who is ``years`` old or more on ``today`` (29 February → 28)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def age_on(birth_date: dt.date, today: dt.date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
