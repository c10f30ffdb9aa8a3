"""Older people (老年人): everyone aged 60 or more in the registry, kept set-based by
``services.people.older_people_refresh`` (issue 17 §1), with their contacts and guardians.

An older person is a view over ``registry.Person`` plus what only eldercare records: the living situation
flags a village assistant reports (留守, 失独), the home's coordinates for checking service check-ins, and
the derived flags that data can tell (独居, 空巢, 高龄, 重残, 低保, 特困) refreshed from the registry and the
enrolments. 《老年人权益保障法》 art. 2: 老年人 are citizens aged 60 and over.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from minzheng.common.models import TimeStampedModel
from minzheng.common.scoping import ScopedQuerySet
from minzheng.divisions.models import Division
from minzheng.eldercare.choices import ContactRelation
from minzheng.registry.models import Household, Person

__all__ = ["CareContact", "OlderPerson"]


class OlderPerson(TimeStampedModel):
    """One person aged 60+ (alive, in a current household). ``division`` is the village of residence
    (the household's residence division, else its 户籍 division) and scopes every read."""

    scope_path = "division__code"

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="older_person")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    division = models.ForeignKey(Division, verbose_name="居住地", on_delete=models.PROTECT, related_name="+")
    birth_date = models.DateField("出生日期")
    # derived by the refresh (never edited by hand)
    lives_alone = models.BooleanField("独居", default=False)
    empty_nest = models.BooleanField("空巢", default=False)  # every household member is 60+
    advanced_age = models.BooleanField("高龄（80周岁以上）", default=False)
    severe_disability = models.BooleanField("重度残疾（一、二级）", default=False)
    dibao = models.BooleanField("低保对象", default=False)
    extreme_poverty = models.BooleanField("特困人员", default=False)
    # reported by the village assistant or caseworker (kept by the refresh)
    left_behind = models.BooleanField("留守", default=False)
    bereaved_parent = models.BooleanField("失独/计划生育特殊家庭", default=False)
    # the latest completed capacity assessment's result, written by the assessment service
    capacity_level = models.CharField("能力等级", max_length=24, blank=True)
    incapacitated = models.BooleanField("失能", default=False)
    next_assessment_on = models.DateField("下次评估日期", null=True, blank=True)
    # the home, for checking where a worker checks in (WGS-84, recorded on a visit)
    home_latitude = models.DecimalField("住址纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    home_longitude = models.DecimalField("住址经度", max_digits=9, decimal_places=6, null=True, blank=True)
    active = models.BooleanField("在册", default=True)  # false once dead, moved out or left the registry
    left_on = models.DateField("移出日期", null=True, blank=True)
    refreshed_on = models.DateField("最近更新")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "老年人"
        verbose_name_plural = "老年人"
        indexes = [
            models.Index(fields=["division", "id"], name="older_person_division"),
            models.Index(fields=["active", "division"], name="older_person_active"),
        ]

    def __str__(self) -> str:
        return f"老年人 {self.person_id}"


class CareContact(TimeStampedModel):
    """A relative, neighbour or guardian to reach for an older person. A portal account whose phone's blind
    index equals ``phone_index`` may order and confirm services for this older person (a family member)."""

    scope_path = "older_person__division__code"

    older_person = models.ForeignKey(OlderPerson, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField("姓名", max_length=50)
    relation = models.CharField("关系", max_length=16, choices=ContactRelation.choices)
    phone_encrypted = models.TextField()
    phone_index = models.CharField(max_length=64, db_index=True)
    phone_masked = models.CharField("联系电话", max_length=20)
    is_guardian = models.BooleanField("监护人", default=False)
    may_order = models.BooleanField("可代为下单和确认", default=True)
    note = models.CharField("说明", max_length=100, blank=True)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "联系人"
        verbose_name_plural = "联系人"
        constraints = [
            models.UniqueConstraint(
                fields=["older_person", "phone_index"], name="care_contact_one_per_phone"
            ),
            models.UniqueConstraint(
                fields=["older_person"], condition=Q(is_guardian=True), name="care_contact_one_guardian"
            ),
        ]

    def __str__(self) -> str:
        return self.name
