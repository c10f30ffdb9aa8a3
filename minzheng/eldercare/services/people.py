"""Writes of older people (issue 17 §1): the set-based refresh of the register from the registry and the
enrolments, the reported flags and home coordinates, and contacts and guardians.

The refresh is a handful of SQL statements over whole tables (``INSERT … SELECT`` and ``UPDATE … FROM`` on
a temporary table of what the registry says today), never a query per person, written to run on PostgreSQL
and on SQLite (≥ 3.33, ``UPDATE … FROM``) alike, like ``monitoring.services.population.population_refresh``.
"""
# ruff: noqa: S608 - SQL from model table names; every value is a bound parameter

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.programmes import Programme
from minzheng.catalogue.roles import Capability
from minzheng.common import crypto
from minzheng.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from minzheng.common.jobs import progress_report
from minzheng.common.masking import mask_phone
from minzheng.eldercare.choices import ContactRelation
from minzheng.eldercare.models import CareContact, OlderPerson
from minzheng.eldercare.rules import people as rules
from minzheng.eldercare.rules.people import DIBAO_FLAG
from minzheng.enrolments.models import Enrolment, EnrolmentStatus
from minzheng.registry import rules as registry_rules
from minzheng.registry.models import Household, Membership, Person
from minzheng.registry.services import PHONE_INDEX

DERIVED_TABLE = "eldercare_older_refresh"  # temporary, per connection
FLAGS = ("lives_alone", "empty_nest", "advanced_age", "severe_disability", DIBAO_FLAG, "extreme_poverty")
COMPARED = ("household_id", "division_id", "birth_date", *FLAGS)


@dataclass(frozen=True)
class RefreshOutcome:
    opened: int  # new rows (people who turned 60 or joined the registry)
    updated: int  # rows whose household, village or derived flags changed, or that came back
    closed: int  # rows of people who died, left every household or turned out younger
    active: int  # older people in the register afterwards
    seconds: float


def _require(actor: User | None, capability: Capability) -> None:
    if actor is not None and not actor.can(capability):
        raise PermissionDenied("您的角色无权执行此操作", code="forbidden")


def _derived_sql() -> str:
    """What the registry says today, one row per living person aged 60+ in a current household.

    The enrolment flags are plain left joins on indexed columns (a household enrolment: ``person_id`` empty,
    joined by household; a person's: joined by person). Each joins at most one row: one current enrolment per
    household or person and programme (the enrolment constraints). With stale statistics PostgreSQL then
    probes the indexes instead of filtering a nested loop over a union (docs/eldercare.md, benchmark)."""
    m, p, h, e = (
        Membership._meta.db_table,
        Person._meta.db_table,
        Household._meta.db_table,
        Enrolment._meta.db_table,
    )

    def enrolled(alias: str) -> str:
        return (
            f"LEFT JOIN {e} {alias}h ON {alias}h.household_id = m.household_id "
            f"AND {alias}h.person_id IS NULL AND {alias}h.status = %s AND {alias}h.programme = %s "
            f"LEFT JOIN {e} {alias}p ON {alias}p.person_id = p.id AND {alias}p.status = %s "
            f"AND {alias}p.programme = %s "
        )

    return (
        f"SELECT p.id AS person_id, m.household_id AS household_id, "
        f"COALESCE(h.residence_division_id, h.hukou_division_id) AS division_id, p.birth_date AS birth_date, "
        f"(hs.members = 1) AS lives_alone, (hs.youngest <= %s) AS empty_nest, "
        f"(p.birth_date <= %s) AS advanced_age, "
        f"(COALESCE(p.disability_grade, 0) IN (%s, %s)) AS severe_disability, "
        f"(dbh.id IS NOT NULL OR dbp.id IS NOT NULL) AS dibao, "
        f"(eph.id IS NOT NULL OR epp.id IS NOT NULL) AS extreme_poverty "
        f"FROM {p} p JOIN {m} m ON m.person_id = p.id AND m.left_on IS NULL "
        f"JOIN {h} h ON h.id = m.household_id "
        f"JOIN (SELECT sm.household_id, COUNT(*) AS members, MAX(sp.birth_date) AS youngest FROM {m} sm "
        f"JOIN {p} sp ON sp.id = sm.person_id AND sp.death_date IS NULL WHERE sm.left_on IS NULL "
        f"GROUP BY sm.household_id) hs ON hs.household_id = m.household_id "
        f"{enrolled('db')}{enrolled('ep')}"
        f"WHERE p.death_date IS NULL AND p.birth_date <= %s"
    )


def _derived_params(today: dt.date) -> list[dt.date | str | int]:
    older = rules.born_on_or_before(today, rules.OLDER_AGE)
    active = EnrolmentStatus.ACTIVE.value
    dibao = [active, Programme.DIBAO.value] * 2
    extreme = [active, Programme.EXTREME_POVERTY_SUPPORT.value] * 2
    advanced = rules.born_on_or_before(today, rules.ADVANCED_AGE)
    return [older, advanced, *rules.SEVERE_DISABILITY_GRADES, *dibao, *extreme, older]


def older_people_refresh(*, today: dt.date | None = None, job_id: int | None = None) -> RefreshOutcome:
    """Bring ``OlderPerson`` in line with the registry and the enrolments, set-based, in one transaction.

    Opens a row for every living person aged 60+ (老年人权益保障法 art. 2) in a current household, recomputes
    the derived flags (``rules.people``) and the village, and closes (``active=False``, ``left_on``) the rows
    of people who died (their death date), left every household or turned out younger (``today``). Reported
    flags (留守, 失独), home coordinates and the capacity result are never touched. Running it again the
    same day changes nothing. ``job_id``: report progress to that background job."""
    started = timezone.now()
    today = today or timezone.localdate()
    op, p = OlderPerson._meta.db_table, Person._meta.db_table
    now = timezone.now()

    def progress(done: int, message: str) -> None:
        if job_id is not None:
            progress_report(job_id=job_id, done=done, total=4, message=message)

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # two refreshes at once would both insert the same people
            cursor.execute(f"LOCK TABLE {op} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"DROP TABLE IF EXISTS {DERIVED_TABLE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {DERIVED_TABLE} AS {_derived_sql()}", _derived_params(today))
        progress(1, "已读取户籍与在保数据")
        changed = " OR ".join(f"{op}.{column} <> d.{column}" for column in COMPARED)
        assignments = ", ".join(f"{column} = d.{column}" for column in COMPARED)
        cursor.execute(
            f"UPDATE {op} SET {assignments}, active = %s, left_on = NULL, refreshed_on = %s, updated_at = %s "
            f"FROM {DERIVED_TABLE} d WHERE d.person_id = {op}.person_id AND (NOT {op}.active OR {changed})",
            [True, today, now],
        )
        updated = cursor.rowcount
        progress(2, "已更新在册老年人")
        cursor.execute(
            f"INSERT INTO {op} (person_id, household_id, {', '.join(COMPARED[1:])}, left_behind, "
            f"bereaved_parent, capacity_level, incapacitated, active, refreshed_on, created_at, updated_at) "
            f"SELECT d.person_id, d.household_id, {', '.join('d.' + c for c in COMPARED[1:])}, "
            f"%s, %s, %s, %s, %s, %s, %s, %s FROM {DERIVED_TABLE} d WHERE NOT EXISTS "
            f"(SELECT 1 FROM {op} x WHERE x.person_id = d.person_id)",
            [False, False, "", False, True, today, now, now],
        )
        opened = cursor.rowcount
        progress(3, "已新增年满60周岁人员")
        cursor.execute(
            f"UPDATE {op} SET active = %s, left_on = COALESCE((SELECT dp.death_date FROM {p} dp "
            f"WHERE dp.id = {op}.person_id), %s), refreshed_on = %s, updated_at = %s "
            f"WHERE {op}.active AND NOT EXISTS "
            f"(SELECT 1 FROM {DERIVED_TABLE} d WHERE d.person_id = {op}.person_id)",
            [False, today, today, now],
        )
        closed = cursor.rowcount
        cursor.execute(f"DROP TABLE {DERIVED_TABLE}")
    active = OlderPerson.objects.filter(active=True).count()
    progress(4, "完成")
    seconds = round((timezone.now() - started).total_seconds(), 2)
    return RefreshOutcome(opened, updated, closed, active, seconds)


def older_people_refresh_start(*, actor: User) -> int:
    """Start the refresh in the background (progress bar at ``jobs:detail``); returns the job id."""
    from minzheng.common.services import job_create, job_enqueue  # noqa: PLC0415 - jobs import services
    from minzheng.eldercare.tasks import REFRESH_KIND, older_people_refresh_task  # noqa: PLC0415

    _require(actor, Capability.MANAGE_ELDERCARE)
    job = job_create(actor=actor, kind=REFRESH_KIND, title="老年人名册更新", total=4)
    job_enqueue(older_people_refresh_task, job)
    return job.pk


# --- reported flags and the home ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportedData:
    left_behind: bool
    bereaved_parent: bool
    home_latitude: Decimal | None = None
    home_longitude: Decimal | None = None


def _locked(actor: User, pk: int) -> OlderPerson:
    older = OlderPerson.objects.visible_to(actor).select_for_update().filter(pk=pk).first()
    if older is None:
        raise NotFound("没有找到该老年人，或不在您的管辖范围内")
    return older


@transaction.atomic
def older_person_update(*, actor: User, pk: int, data: ReportedData) -> OlderPerson:
    """The flags a village assistant or caseworker reports (留守, 失独) and the home's coordinates."""
    _require(actor, Capability.MANAGE_ELDERCARE)
    older = _locked(actor, pk)
    if (data.home_latitude is None) != (data.home_longitude is None):
        raise ValidationFailed("住址经度和纬度须同时填写或同时留空", field="home_latitude")
    if data.home_latitude is not None and not Decimal(-90) <= data.home_latitude <= Decimal(90):
        raise ValidationFailed("住址纬度应在 -90 到 90 之间", field="home_latitude")
    if data.home_longitude is not None and not Decimal(-180) <= data.home_longitude <= Decimal(180):
        raise ValidationFailed("住址经度应在 -180 到 180 之间", field="home_longitude")
    changed = [name for name, value in vars(data).items() if getattr(older, name) != value]
    for name in changed:
        setattr(older, name, getattr(data, name))
    if changed:
        older.save(update_fields=[*changed, "updated_at"])
        event_record(
            actor=actor,
            verb="eldercare.older_person_updated",
            object_type="older_person",
            object_id=older.pk,
            division_code=older.division.code,
            summary="修改老年人上报信息",
            data={"fields": changed},
        )
    return older


# --- contacts and guardians -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactData:
    name: str
    relation: str
    phone: str
    is_guardian: bool = False
    may_order: bool = True
    note: str = ""


def _contact_values(data: ContactData) -> dict[str, object]:
    name = data.name.strip()
    if not name:
        raise ValidationFailed("请填写联系人姓名", field="name")
    if data.relation not in ContactRelation.values:
        raise ValidationFailed("请选择与老人的关系", field="relation")
    phone = registry_rules.normalise_phone(data.phone)
    if not phone:
        raise ValidationFailed("请填写联系电话", field="phone")
    return {
        "name": name[:50],
        "relation": data.relation,
        "phone_encrypted": crypto.encrypt(phone),
        "phone_index": crypto.blind_index(phone, purpose=PHONE_INDEX),  # the portal account's index too
        "phone_masked": mask_phone(phone),
        "is_guardian": data.is_guardian,
        "may_order": data.may_order,
        "note": data.note.strip()[:100],
    }


def _contact_checks(older: OlderPerson, values: dict[str, object], *, exclude: int | None = None) -> None:
    others = CareContact.objects.filter(older_person=older)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.filter(phone_index=values["phone_index"]).exists():
        raise Conflict("该联系电话已登记为这位老人的联系人", field="phone")
    guardian = others.filter(is_guardian=True).first()
    if values["is_guardian"] and guardian is not None:
        raise Conflict(f"这位老人已有监护人（{guardian.name}），请先取消其监护人身份", field="is_guardian")


def _contact_save(contact: CareContact) -> None:
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:  # the same phone or a second guardian saved at the same moment
        raise Conflict("联系人已被他人同时修改（电话重复或已有监护人），请刷新后重试") from None


def _contact_event(actor: User, contact: CareContact, verb: str, summary: str) -> None:
    event_record(
        actor=actor,
        verb=f"eldercare.contact_{verb}",
        object_type="older_person",
        object_id=contact.older_person_id,
        division_code=contact.older_person.division.code,
        summary=summary,
        data={"contact_id": contact.pk, "guardian": contact.is_guardian, "may_order": contact.may_order},
    )


@transaction.atomic
def contact_add(*, actor: User, older_person_id: int, data: ContactData) -> CareContact:
    _require(actor, Capability.MANAGE_ELDERCARE)
    older = _locked(actor, older_person_id)
    values = _contact_values(data)
    _contact_checks(older, values)
    contact = CareContact(older_person=older, **values)
    _contact_save(contact)
    _contact_event(actor, contact, "added", f"新增联系人 {contact.name}（{contact.get_relation_display()}）")
    return contact


def _contact_locked(actor: User, contact_id: int) -> CareContact:
    contact = (
        CareContact.objects.visible_to(actor)
        .select_related("older_person__division")
        .select_for_update(of=("self",))
        .filter(pk=contact_id)
        .first()
    )
    if contact is None:
        raise NotFound("没有找到该联系人，或不在您的管辖范围内")
    _locked(actor, contact.older_person_id)  # serialise with other changes of this person's contacts
    return contact


@transaction.atomic
def contact_update(*, actor: User, contact_id: int, data: ContactData) -> CareContact:
    _require(actor, Capability.MANAGE_ELDERCARE)
    contact = _contact_locked(actor, contact_id)
    values = _contact_values(data)
    if values["phone_index"] == contact.phone_index:  # keep the stored ciphertext
        values.pop("phone_encrypted")
    _contact_checks(contact.older_person, values, exclude=contact.pk)
    for name, value in values.items():
        setattr(contact, name, value)
    _contact_save(contact)
    _contact_event(actor, contact, "updated", f"修改联系人 {contact.name}")
    return contact


@transaction.atomic
def contact_remove(*, actor: User, contact_id: int) -> None:
    _require(actor, Capability.MANAGE_ELDERCARE)
    contact = _contact_locked(actor, contact_id)
    _contact_event(actor, contact, "removed", f"删除联系人 {contact.name}")
    contact.delete()
