"""Shared fixtures: divisions, users at each level, households. Real PostgreSQL, no mocks."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from minzheng.common.identity import make_resident_id


def other_database_sessions_end() -> None:
    """End every other PostgreSQL session on this worker's test database."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(autouse=True)
def _live_server_requests_end(request: pytest.FixtureRequest):
    """A browser test's page may still have a request running on the live server thread when the test ends;
    that request's transaction and the test database's flush (TRUNCATE) then deadlock, and the next test
    finds the database unflushed. Set up after ``live_server`` (so torn down before the flush), this ends
    those sessions first."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("live_server")
    yield
    other_database_sessions_end()


@pytest.fixture(autouse=True)
def _cache_clear():
    """Each test starts with an empty cache: the rows a cached value was derived from (the policy guide,
    policy/cache.py) are rolled back between tests, and rate-limit counters must not carry over."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts in the default language: a request with the English or Mongolian cookie activates
    that language in the thread, and Django's test client does not deactivate it afterwards, so the next test
    in the same process would render English text (and fail a Chinese assertion) depending on the order."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's chromium (Playwright cannot download its own browser here)."""
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--no-first-run",
        ],
    }  # fmt: skip


@pytest.fixture
def divisions(db):
    """A small tree: Inner Mongolia → Hohhot → Xincheng district → a sub-district → two communities,
    and Xilingol → Taibus banner → Gongbaolage sumu → a gacha (rural)."""
    from minzheng.divisions.models import Division

    def make(code: str, name: str, level: int, parent=None, urban_rural: str = "") -> Division:
        return Division.objects.create(
            code=code, name=name, level=level, parent=parent, urban_rural=urban_rural, source="test"
        )

    region = make("150000000000", "内蒙古自治区", 1)
    hohhot = make("150100000000", "呼和浩特市", 2, region)
    xincheng = make("150102000000", "新城区", 3, hohhot)
    street = make("150102001000", "海拉尔东路街道", 4, xincheng)
    community = make("150102001001", "锡林南路社区居委会", 5, street, "urban")
    community2 = make("150102001002", "东风路社区居委会", 5, street, "urban")
    xilingol = make("152500000000", "锡林郭勒盟", 2, region)
    taibus = make("152527000000", "太仆寺旗", 3, xilingol)
    sumu = make("152527201000", "贡宝拉格苏木", 4, taibus)
    gacha = make("152527201206", "敦达乌苏嘎查", 5, sumu, "rural")
    return {
        "region": region, "hohhot": hohhot, "xincheng": xincheng, "street": street, "community": community,
        "community2": community2, "xilingol": xilingol, "taibus": taibus, "sumu": sumu, "gacha": gacha,
    }  # fmt: skip


@pytest.fixture
def make_user(db):
    from minzheng.accounts.models import User

    def make(username: str, role: str, division, password: str = "Test@Pass2026") -> User:
        user = User.objects.create_user(
            username=username, password=password, role=role, division=division, full_name=username
        )
        return user

    return make


@pytest.fixture
def users(divisions, make_user):
    """One user per role; township and village users in Xincheng, a county approver in Taibus."""
    return {
        "caseworker": make_user("caseworker", "township_caseworker", divisions["street"]),
        "reviewer": make_user("reviewer", "township_reviewer", divisions["street"]),
        "assistant": make_user("assistant", "village_assistant", divisions["community"]),
        "county": make_user("county", "county_approver", divisions["xincheng"]),
        "taibus_county": make_user("taibus_county", "county_approver", divisions["taibus"]),
        "taibus_caseworker": make_user("taibus_caseworker", "township_caseworker", divisions["sumu"]),
        "prefecture": make_user("prefecture", "prefecture_supervisor", divisions["hohhot"]),
        "region": make_user("region", "region_supervisor", divisions["region"]),
        "auditor": make_user("auditor", "auditor", divisions["region"]),
        "admin": make_user("sysadmin", "system_admin", divisions["region"]),
    }


def id_number(address: str = "150102", birth: dt.date = dt.date(1980, 5, 17), seq: int = 123) -> str:
    return make_resident_id(address, birth, seq)


@pytest.fixture
def household_factory(users):
    """Create a household through the real service, as the given actor."""
    from minzheng.registry.services import HouseholdData, PersonData, household_create

    counter = {"n": 0}

    def make(actor=None, division_code: str = "150102001001", head_name: str = "张三", **head_kwargs):
        counter["n"] += 1
        actor = actor or users["caseworker"]
        head = PersonData(
            name=head_name,
            id_number=head_kwargs.pop(
                "id_number", id_number(division_code[:6], seq=100 + counter["n"] * 2 + 1)
            ),
            employment_status=head_kwargs.pop("employment_status", "unemployed"),
            **head_kwargs,
        )
        return household_create(
            actor=actor,
            household=HouseholdData(hukou_division_code=division_code, bank_name="中国农业银行",
                                    bank_account="6228480012345678901"),
            head=head,
            joined_on=dt.date(2020, 1, 1),
        )  # fmt: skip

    return make


@pytest.fixture
def otp_login(db):
    """Log a client in with a verified second factor (ADR 0026): a confirmed TOTP device for the user and
    the session marked as verified with it, as the login page does after a right code."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def login(client, user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="测试设备", confirmed=True)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return device

    return login
