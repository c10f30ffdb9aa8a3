"""Services on PostgreSQL: registration with its stored limits, the whole handling loop, extension, review and
re-review, repeat petitions, 第三十六条, routing away from the accused, and the daily scan (set-based,
idempotent, escalating to the level above)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minzheng.audit.models import Event, PersonalDataAccess
from minzheng.common.errors import Conflict, PermissionDenied, ValidationFailed
from minzheng.petitions import services
from minzheng.petitions.models import Petition, PetitionEvent
from minzheng.petitions.scan import petitions_scan
from minzheng.policy.models import Parameter

pytestmark = pytest.mark.django_db


def _flow_to_handling(petition, users, handler=None):
    h = handler or users["handler"]
    services.petition_accept(actor=h, pk=petition.pk, expected_status="registered", notice="依法受理")
    services.petition_assign(
        actor=h, pk=petition.pk, expected_status="accepted", division_code="150102001000",
        handler_id=users["caseworker"].pk,
    )  # fmt: skip
    return services.petition_start(actor=users["caseworker"], pk=petition.pk, expected_status="assigned")


def test_register_stores_encrypted_identity_and_the_accept_limit(register):
    petition = register()
    today = timezone.localdate()
    assert petition.number == f"XF{today:%Y}-{petition.pk:07d}"
    assert petition.status == "registered"
    assert petition.petitioner_name_masked == "王**"
    assert "王秀英" not in petition.petitioner_name_encrypted
    assert petition.petitioner_phone_masked.startswith("138")
    assert "0000" not in petition.petitioner_phone_masked
    assert petition.accept_due_on is not None
    assert petition.accept_due_on >= today + dt.timedelta(days=15)
    assert petition.current_due_on == petition.accept_due_on
    assert petition.division.code == "150102000000"
    assert list(PetitionEvent.objects.filter(petition=petition).values_list("action", flat=True)) == [
        "register"
    ]
    assert Event.objects.filter(verb="petitions.register", object_id=str(petition.pk)).exists()


def test_register_needs_a_contact(register):
    with pytest.raises(ValidationFailed) as error:
        register(id_number="", phone="")
    assert error.value.field == "phone"
    assert Petition.objects.count() == 0


def test_the_whole_loop(register, ready):
    users = ready
    petition = _flow_to_handling(register(), users)
    today = timezone.localdate()
    assert petition.status == "handling"
    assert petition.handler_id == users["caseworker"].pk
    assert petition.division.code == "150102001000"
    assert petition.handle_due_on >= today + dt.timedelta(days=60)
    assert petition.objection_due_on is not None
    petition = services.petition_extend(
        actor=users["caseworker"],
        pk=petition.pk,
        expected_status="handling",
        days=30,
        reason="需调取银行流水",
    )
    assert petition.extension_days == 30
    assert petition.status == "extended"
    assert petition.handle_due_on >= today + dt.timedelta(days=90)
    petition = services.petition_reply(
        actor=users["caseworker"], pk=petition.pk, expected_status="extended", text="经复核，收入核算无误。"
    )
    assert petition.status == "replied"
    assert petition.replied_on_time is True
    assert petition.review_request_due_on >= today + dt.timedelta(days=30)
    assert petition.current_due_on is None
    petition = services.petition_evaluate(
        actor=users["handler"], pk=petition.pk, expected_status="replied", satisfaction="basically"
    )
    petition = services.petition_close(actor=users["handler"], pk=petition.pk, expected_status="evaluated")
    assert petition.status == "closed"
    assert petition.closed_at is not None
    actions = list(PetitionEvent.objects.filter(petition=petition).values_list("action", flat=True))
    assert actions == ["register", "accept", "assign", "start", "extend", "reply", "evaluate", "close"]


def test_extension_beyond_30_days_is_refused(register, ready):
    petition = _flow_to_handling(register(), ready)
    with pytest.raises(ValidationFailed) as error:
        services.petition_extend(
            actor=ready["caseworker"], pk=petition.pk, expected_status="handling", days=31, reason="复杂"
        )
    assert error.value.message == "延长期限累计不得超过30日（《信访工作条例》第三十四条）"
    assert Petition.objects.get(pk=petition.pk).extension_days == 0


def test_stale_status_is_a_clear_conflict(register, ready):
    petition = register()
    services.petition_accept(
        actor=ready["handler"], pk=petition.pk, expected_status="registered", notice="受理"
    )
    with pytest.raises(Conflict) as error:
        services.petition_accept(
            actor=ready["handler2"], pk=petition.pk, expected_status="registered", notice="受理"
        )
    assert error.value.message == "信访事项状态已变为“已受理”，请刷新后再办理"
    assert PetitionEvent.objects.filter(petition=petition, action="accept").count() == 1


def test_repeat_petition_is_linked_and_rereviewed_matter_refused(register, ready):
    users = ready
    first = _flow_to_handling(register(), users)
    services.petition_reply(actor=users["caseworker"], pk=first.pk, expected_status="handling", text="维持")
    services.petition_review_request(
        actor=users["handler"], pk=first.pk, expected_status="replied", reason="不服"
    )
    services.petition_review_decide(
        actor=users["handler"], pk=first.pk, expected_status="review_requested", text="维持"
    )
    services.petition_rereview_request(
        actor=users["handler"], pk=first.pk, expected_status="reviewed", reason="不服"
    )
    services.petition_rereview_decide(
        actor=users["handler"], pk=first.pk, expected_status="rereview_requested", text="维持"
    )
    second = register(channel="letter", subject="再次反映低保问题")
    assert second.repeat_of_id == first.pk
    with pytest.raises(Conflict) as error:
        services.petition_accept(
            actor=users["handler"], pk=second.pk, expected_status="registered", notice="受理"
        )
    assert "第三十六条" in error.value.message
    declined = services.petition_decline(
        actor=users["handler"], pk=second.pk, expected_status="registered", notice="该事项已复核终结"
    )
    assert declined.status == "not_accepted"
    assert declined.current_due_on is None
    other_matter = register(matter_type="payment", subject="资金未到账")
    assert other_matter.repeat_of_id is None


def test_a_complaint_about_a_caseworker_is_lifted_above_their_unit_and_never_assigned_to_it(register, ready):
    users = ready
    petition = register(
        division_code="150102001000", matter_type="staff_conduct", accused_user_id=users["caseworker"].pk
    )
    assert petition.division.code == "150102000000"  # lifted from the street to the county
    assert petition.accused_division.code == "150102001000"
    services.petition_accept(
        actor=users["handler"], pk=petition.pk, expected_status="registered", notice="受理"
    )
    with pytest.raises(ValidationFailed) as error:
        services.petition_assign(
            actor=users["handler"], pk=petition.pk, expected_status="accepted", division_code="150102001000",
            handler_id=None,
        )  # fmt: skip
    assert (
        error.value.message
        == "信访事项反映的是该单位工作人员，不得交由被反映人所在单位办理，请交上级或其他单位办理"
    )
    with pytest.raises(ValidationFailed) as error:
        services.petition_assign(
            actor=users["handler"], pk=petition.pk, expected_status="accepted", division_code="150102000000",
            handler_id=users["caseworker"].pk,
        )  # fmt: skip
    assert "不属于所选承办单位" in error.value.message or "本人" in error.value.message
    done = services.petition_assign(
        actor=users["handler"], pk=petition.pk, expected_status="accepted", division_code="150102000000",
        handler_id=users["handler2"].pk,
    )  # fmt: skip
    assert done.handler_id == users["handler2"].pk


def test_the_accused_cannot_act_on_it(register, ready):
    users = ready
    petition = register(matter_type="staff_conduct", accused_user_id=users["caseworker"].pk)
    from minzheng.common.errors import NotFound

    with pytest.raises(NotFound):
        services.petition_accept(
            actor=users["caseworker"], pk=petition.pk, expected_status="registered", notice="x"
        )


def test_identity_reveal_is_for_handlers_and_logged(register, ready):
    users = ready
    petition = register()
    identity = services.petition_identity_reveal(actor=users["handler"], pk=petition.pk, purpose="test")
    assert identity.name == "王秀英"
    assert identity.phone == "13800001111"
    assert (
        PersonalDataAccess.objects.filter(actor=users["handler"], purpose__startswith="test:XF").count() == 1
    )
    assert services.petition_identity_reveal(actor=users["handler2"], pk=petition.pk, purpose="test").name
    with pytest.raises(PermissionDenied):  # a county approver who has not acted on it
        services.petition_identity_reveal(actor=users["county"], pk=petition.pk, purpose="test")
    with pytest.raises(PermissionDenied):
        services.petition_identity_reveal(actor=users["prefecture"], pk=petition.pk, purpose="test")


def test_missing_parameter_gives_needs_manual_determination(register, ready):
    Parameter.objects.filter(key="petitions.accept_days").delete()
    petition = register()
    assert petition.accept_due_on is None
    assert petition.limits_note == "需人工核定：未设置“受理告知期限”参数"


def test_scan_flags_escalates_once_and_is_idempotent(register, ready):
    users = ready
    late = register(subject="逾期未受理")
    soon = register(subject="即将到期", matter_type="payment")
    calm = register(subject="期限充裕", matter_type="eldercare")
    today = timezone.localdate()
    Petition.objects.filter(pk=late.pk).update(current_due_on=today - dt.timedelta(days=1))
    Petition.objects.filter(pk=soon.pk).update(current_due_on=today + dt.timedelta(days=2))
    first = petitions_scan(today=today)
    assert first.escalated == 1
    rows = {p.pk: p for p in Petition.objects.all()}
    assert rows[late.pk].due_state == "overdue"
    assert rows[late.pk].escalated_to.code == "150100000000"  # the county's parent: the city
    assert rows[soon.pk].due_state == "due_soon"
    assert rows[soon.pk].escalated_at is None
    assert rows[calm.pk].due_state == ""
    second = petitions_scan(today=today)
    assert second.escalated == 0
    assert PetitionEvent.objects.filter(action="escalate").count() == 1
    assert Petition.objects.get(pk=late.pk).escalated_at == rows[late.pk].escalated_at
    # acting on it starts a new step and clears the flags
    services.petition_accept(actor=users["handler"], pk=late.pk, expected_status="registered", notice="受理")
    late.refresh_from_db()
    assert (late.due_state, late.escalated_at) == ("", None)


def test_scan_does_not_query_per_row(register, ready, django_assert_max_num_queries):
    for n in range(6):
        register(
            subject=f"批量{n}",
            matter_type=["payment", "eldercare", "other", "policy", "assistance", "other"][n],
        )
    Petition.objects.update(current_due_on=timezone.localdate() - dt.timedelta(days=3))
    # regions (1) + the parameter (2) + flag UPDATE + escalation UPDATE + INSERT of the timeline + the audit
    # event (lock, chain head, insert) + savepoints: the same for 6 rows as for 6,000
    with django_assert_max_num_queries(14):
        result = petitions_scan()
    assert result.escalated == 6


def test_objection_within_5_working_days_sends_it_back_and_transfer_reroutes(register, ready):
    users = ready
    petition = register()
    h = users["handler"]
    services.petition_accept(actor=h, pk=petition.pk, expected_status="registered", notice="受理")
    services.petition_assign(
        actor=h, pk=petition.pk, expected_status="accepted", division_code="150102001000",
        handler_id=users["caseworker"].pk,
    )  # fmt: skip
    back = services.petition_object(
        actor=users["caseworker"], pk=petition.pk, expected_status="assigned", reason="属于医保部门职责"
    )
    assert (back.status, back.division.code, back.handler_id) == ("accepted", "150102000000", None)
    services.petition_assign(
        actor=h, pk=petition.pk, expected_status="accepted", division_code="150102001000", handler_id=None
    )
    Petition.objects.filter(pk=petition.pk).update(
        objection_due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    with pytest.raises(Conflict) as error:
        services.petition_object(
            actor=users["caseworker"], pk=petition.pk, expected_status="assigned", reason="x"
        )
    assert "已超过异议期限" in error.value.message
    moved = services.petition_assign(
        actor=h, pk=petition.pk, expected_status="assigned", division_code="150102000000", handler_id=h.pk
    )
    assert (moved.status, moved.division.code) == ("assigned", "150102000000")
    assert PetitionEvent.objects.filter(petition=petition, action="transfer").count() == 1


def test_portal_petitioner_requests_a_review_within_30_days(portal_client, ready):
    h = ready["handler"]
    petition = services.petition_portal_file(
        account=portal_client.account,
        filing=services.PortalFiling(
            kind="complaint", matter_type="payment", subject="资金未到账", content="未到账"
        ),
    )
    services.petition_accept(actor=h, pk=petition.pk, expected_status="registered", notice="受理")
    services.petition_assign(
        actor=h, pk=petition.pk, expected_status="accepted", division_code="150102000000", handler_id=h.pk
    )
    services.petition_start(actor=h, pk=petition.pk, expected_status="assigned")
    services.petition_reply(actor=h, pk=petition.pk, expected_status="handling", text="已核实")
    response = portal_client.post(
        f"/portal/petitions/{petition.pk}/act/request_review/",
        {"expected_status": "replied", "reason": "不服"},
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.status == "review_requested"
    assert petition.current_due_on == petition.review_due_on
    Petition.objects.filter(pk=petition.pk).update(status="reviewed", reviewed_on=timezone.localdate(),
                                                   rereview_request_due_on=timezone.localdate() - dt.timedelta(days=1))  # fmt: skip
    late = portal_client.post(
        f"/portal/petitions/{petition.pk}/act/request_rereview/",
        {"expected_status": "reviewed", "reason": "不服"},
    )
    assert late.status_code == 422
    assert "已超过请求期限" in late.content.decode()
