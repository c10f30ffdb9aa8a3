"""Glossary rule (ADR 0013): every coded value has a Chinese label; stored values are English codes."""

import re

import pytest
from django.apps import apps
from django.db import models

from minzheng.applications import models as applications
from minzheng.applications import rules as application_rules
from minzheng.catalogue.roles import Role
from minzheng.common.models import Job
from minzheng.divisions.models import DivisionLevel, UrbanRural
from minzheng.registry import choices

CHINESE = re.compile(r"[\u4e00-\u9fff]")
CHOICE_CLASSES = [
    Role, Job.Status, DivisionLevel, UrbanRural, choices.Sex, choices.RelationToHead, choices.DisabilityCategory,
    choices.DisabilityGrade, choices.SelfCare, choices.EmploymentStatus, choices.SchoolEnrolment,
    choices.IncomeCategory, choices.IncomeSource, choices.AssetCategory, choices.NearRelation, choices.StaffPosition,
    application_rules.Step, application_rules.Channel, applications.DeadlineStatus, applications.VerificationSource,
    applications.VerificationOutcome,
]  # fmt: skip


@pytest.mark.parametrize("choice_class", CHOICE_CLASSES, ids=lambda c: c.__qualname__)
def test_every_choice_has_a_chinese_label_and_an_english_code(choice_class):
    for value, label in choice_class.choices:
        assert CHINESE.search(str(label)), f"{choice_class.__name__}.{value} has no Chinese label"
        if isinstance(value, str):
            assert re.fullmatch(r"[a-z_]*", value), f"stored value {value!r} is not an English code"


def test_every_model_field_of_ours_has_a_verbose_name_or_is_technical():
    ours = [
        m
        for m in apps.get_models()
        if m.__module__.startswith("minzheng.") and "Historical" not in m.__name__
    ]
    assert {m._meta.label for m in ours} >= {"registry.Household", "registry.Person", "divisions.Division"}
    for model in ours:
        assert CHINESE.search(str(model._meta.verbose_name)), (
            f"{model._meta.label} has no Chinese verbose_name"
        )
        assert isinstance(model._meta.pk, models.Field)
