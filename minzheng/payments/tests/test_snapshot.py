"""An approved payroll cannot be redirected (issue 16 §2, ADR 0022): the lines snapshot the payee name and
bank account at generation; the bank file and the reconciliation use the snapshot; a registry change after
approval reaches only the next payroll; a change before approval is shown to the checker."""

from __future__ import annotations

import dataclasses
import importlib
import json
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from minzheng.common import crypto
from minzheng.payments import bankfiles, services
from minzheng.payments.errors import BankFileInvalid
from minzheng.payments.models import PayrollLine
from minzheng.registry.services import BANK_INDEX

from .factories import approve, enrol, month

pytestmark = pytest.mark.django_db

D = Decimal
JAN, FEB = month(2026, 1), month(2026, 2)
OLD, NEW = "6228480012345678901", "6217000010001234567"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def checker(make_user, divisions):
    return make_user("county2", "county_approver", divisions["xincheng"])


@pytest.fixture
def generated(users, divisions, household_factory):
    """January generated (draft): 赵一 低保 500.00, 钱二 特困 300.50, both paid into ``OLD``."""
    street = divisions["street"]
    one, two = household_factory(head_name="赵一"), household_factory(head_name="钱二")
    first = enrol(one, street, "500.00", JAN)
    second = enrol(two, street, "300.50", JAN, programme="extreme_poverty_support", person=two.head)
    payroll = services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=JAN)
    return payroll, first, second


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def redirect(user, household_id: int, account: str = NEW, name: str = "") -> None:
    """What a caseworker can do alone: change the household's bank account (and the head's name)."""
    client = client_for(user)
    changed = client.patch(
        f"/api/v1/households/{household_id}",
        json.dumps({"bank_account": account}),
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    if name:
        from minzheng.registry.models import Household

        head_id = Household.objects.get(pk=household_id).head_id
        renamed = client.patch(
            f"/api/v1/persons/{head_id}", json.dumps({"name": name}), content_type="application/json"
        )
        assert renamed.status_code == 200, renamed.content


def snapshot(payroll) -> list[tuple[int, str, str, str, str]]:
    return sorted(
        PayrollLine.objects.filter(payroll=payroll).values_list(
            "enrolment_id", "kind", "payee_name", "bank_name", "bank_account_masked"
        )
    )


def bank_rows(users, payroll) -> list[list[str]]:
    content = services.payroll_bank_file(
        actor=users["county"], payroll_id=payroll.pk, template_code="csv_utf8"
    ).content
    return [line.split(",") for line in content.decode("utf-8").splitlines()[3:]]


def test_lines_snapshot_payee_and_account_at_generation(users, generated):
    payroll, first, second = generated

    lines = PayrollLine.objects.filter(payroll=payroll).order_by("enrolment_id")

    assert snapshot(payroll) == [
        (first.pk, "regular", "赵一", "中国农业银行", "***************8901"),
        (second.pk, "regular", "钱二", "中国农业银行", "***************8901"),
    ]
    assert [crypto.decrypt(line.bank_account_encrypted) for line in lines] == [OLD, OLD]
    assert {line.bank_account_index for line in lines} == {crypto.blind_index(OLD, purpose=BANK_INDEX)}


def test_account_and_name_changed_after_approval_do_not_redirect_the_payment(
    users, divisions, generated, checker
):
    # given the January payroll approved by the checker
    payroll, first, second = generated
    approve(payroll, users["county"], checker)
    before = snapshot(payroll)

    # when a caseworker alone changes 赵一's bank account and name through the API
    redirect(users["caseworker"], first.household_id, NEW, name="赵改")

    # then the approved lines are unchanged and the bank file still pays the approved account and name
    assert snapshot(payroll) == before
    assert bank_rows(users, payroll) == [
        ["1", OLD, "赵一", "500.00", "低保金2026年1月", str(first.pk)],
        ["2", OLD, "钱二", "300.50", "特困供养金2026年1月", str(second.pk)],
    ]
    # and the bank's result is reconciled against the approved account: the new one does not match
    batch = services.payroll_bank_batch(payroll)
    forged = bankfiles.BankBatch(
        batch.number,
        batch.created_on,
        batch.purpose,
        [
            row if row.reference != str(first.pk) else dataclasses.replace(row, account=NEW)
            for row in batch.rows
        ],
    )
    with pytest.raises(BankFileInvalid) as refused:
        services.payroll_result_import(
            actor=users["county"],
            payroll_id=payroll.pk,
            template_code="csv_utf8",
            data=bankfiles.bank_result_render(bankfiles.TEMPLATES["csv_utf8"], forged, {}),
        )
    assert refused.value.rows[0] == (4, f"无法匹配：业务参考号 {first.pk}、账号 4567（末四位）不属于本批次")
    imported = services.payroll_result_import(
        actor=users["county"],
        payroll_id=payroll.pk,
        template_code="csv_utf8",
        data=bankfiles.bank_result_render(
            bankfiles.TEMPLATES["csv_utf8"], batch, {str(second.pk): "账户已冻结"}
        ),
    )
    assert (imported.paid_count, imported.paid_amount, imported.failed_count, imported.failed_amount) == (
        1,
        D("500.00"),
        1,
        D("300.50"),
    )

    # and the next payroll pays the new account and name; 钱二's failed payment is retried to the current one
    redirect(users["caseworker"], second.household_id, "6228480012340000002")
    feb = approve(
        services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=FEB),
        users["county"],
        checker,
    )
    assert bank_rows(users, feb) == [
        ["1", NEW, "赵改", "500.00", "低保金2026年2月", str(first.pk)],
        ["2", "6228480012340000002", "钱二", "601.00", "特困供养金2026年2月", str(second.pk)],
    ]
    assert bank_rows(users, payroll)[0][1:3] == [OLD, "赵一"]


def test_checker_is_warned_when_the_account_changed_before_approval(users, divisions, generated, checker):
    # given the January payroll submitted
    payroll, first, _second = generated
    services.payroll_submit(actor=users["county"], payroll_id=payroll.pk)
    page = client_for(checker).get(f"/payments/{payroll.pk}/").content.decode()
    assert 'id="snapshot-changes"' not in page

    # when 赵一's account is changed before the checker approves
    redirect(users["caseworker"], first.household_id, NEW)

    # then the checker's page says so, with the count of payments and lines
    page = client_for(checker).get(f"/payments/{payroll.pk}/").content.decode()
    assert (
        "注意：生成本批次后，有 1 笔发放（1 条明细）的收款户名或银行账号已在家庭登记中变更。"
        "本批次按生成时的户名和账号发放；如需按新账号发放，请退回后重新生成。"
    ) in page
    detail = client_for(checker).get(f"/api/v1/payrolls/{payroll.pk}").json()
    assert (detail["snapshot_changed_lines"], detail["snapshot_changed_payments"]) == (1, 1)
    # and sending it back and regenerating takes the new account (no warning any more)
    services.payroll_reject(actor=checker, payroll_id=payroll.pk, reason="账号已变更")
    services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=JAN)
    line = PayrollLine.objects.get(payroll=payroll, enrolment=first)
    assert crypto.decrypt(line.bank_account_encrypted) == NEW
    assert 'id="snapshot-changes"' not in client_for(checker).get(f"/payments/{payroll.pk}/").content.decode()


def test_after_approval_the_change_is_shown_as_taking_effect_next_payroll(users, generated, checker):
    payroll, first, _second = generated
    approve(payroll, users["county"], checker)

    redirect(users["caseworker"], first.household_id, NEW)

    page = client_for(checker).get(f"/payments/{payroll.pk}/").content.decode()
    assert (
        "本批次已审核锁定，按审核时的收款户名和银行账号发放；其中 1 笔发放（1 条明细）的户名或账号此后已在家庭登记中"
        "变更，变更自下一批次起生效。"
    ) in page


def test_migration_backfills_existing_lines_from_the_household(users, generated):
    payroll, first, second = generated
    PayrollLine.objects.filter(payroll=payroll).update(
        payee_name="", bank_name="", bank_account_encrypted="", bank_account_index="", bank_account_masked=""
    )
    migration = importlib.import_module("minzheng.payments.migrations.0002_line_payee_snapshot")

    class Editor:  # the back-fill only executes its statement (a real schema editor cannot open inside
        # the test's transaction on SQLite)
        def execute(self, sql: str) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql)

    migration.backfill(apps, Editor())

    lines = {line.enrolment_id: line for line in PayrollLine.objects.filter(payroll=payroll)}
    assert [(lines[e.pk].payee_name, lines[e.pk].bank_name) for e in (first, second)] == [
        ("赵一", "中国农业银行"),
        ("钱二", "中国农业银行"),
    ]
    assert [crypto.decrypt(lines[e.pk].bank_account_encrypted) for e in (first, second)] == [OLD, OLD]
    assert lines[first.pk].bank_account_index == first.household.bank_account_index
    assert lines[first.pk].bank_account_masked == first.household.bank_account_masked
