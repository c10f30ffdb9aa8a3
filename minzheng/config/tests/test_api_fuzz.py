"""Schemathesis over every operation of the JSON API (issue 16): a bounded, deterministic run in the suite.

The schema is the one served at ``/api/v1/openapi.json`` (built from the same ``NinjaAPI`` object), and
every case is sent in-process to the WSGI application — the whole middleware stack, real PostgreSQL — as a
county approver's bearer token (staff operations) or a bound portal account's session with its CSRF token
(``/api/v1/portal/…``). Path and body ids are mostly replaced by the ids of real rows (``api_world``), so
the cases reach the services rather than stopping at a 404.

Each response must: not be a server error, have a documented status code, content type and body shape
(``ErrorOut`` for every refusal), and refuse schema-invalid input with a 4xx. ``make api-fuzz`` runs the
same test with more examples (``API_FUZZ_EXAMPLES``); docs/api.md says how to read a failure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from ninja.responses import NinjaJSONEncoder
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from minzheng.api import api
from minzheng.config.tests.api_world import World, world_build
from minzheng.config.wsgi import application

# All operations on one pytest-xdist worker, one after another: the world is built once (module scope) and
# the other worker runs the rest of the suite meanwhile.
pytestmark = pytest.mark.xdist_group("api_fuzz")

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))  # generated cases per operation (fuzzing phase)
SEED = int(os.environ.get("API_FUZZ_SEED", "2026"))
LOG = os.environ.get("API_FUZZ_LOG", "")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    unsupported_method,
]

# The served document, byte for byte what GET /api/v1/openapi.json answers (the view returns the same
# object); built here because collection runs before any test database exists.
_DOCUMENT = json.loads(json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder))
_CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        # Credentials are ours (below); no generated Authorization or session cookie.
        "generation": {"deterministic": True, "with-security-parameters": False},
        # The in-process WSGI client does not decompress: ask for plain bodies.
        "headers": {"Accept-Encoding": "identity"},
    }
)
schema = schemathesis.openapi.from_dict(_DOCUMENT, config=_CONFIG)
schema.app = application
schema.location = "/api/v1/openapi.json"

# Parameter names whose generated integer is swapped for a real row's id (two cases in three): the rest
# keep the generated value, so unknown and out-of-range ids are tried too.
_ID_NAMES = (
    "household_id", "person_id", "applicant_id", "subject_id", "application_id", "document_id",
    "enrolment_id", "payroll_id", "batch_id", "draft_id",
)  # fmt: skip


@pytest.fixture(scope="module")
def world(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The rows every operation's test runs against, made once per module and rolled back after it."""
    media = tmp_path_factory.mktemp("media")
    uploads = override_settings(
        MEDIA_ROOT=media,
        DOCUMENT_SCANNER="minzheng.documents.scanning.EicarScanner",
        DOCUMENT_SCAN_FAIL_OPEN=False,
    )
    with django_db_blocker.unblock(), uploads, transaction.atomic():
        yield world_build()
        transaction.set_rollback(True)


@pytest.fixture
def in_process(db: Any) -> Iterator[None]:
    """Requests go through ``WSGIHandler``, which closes the database connection when a request ends —
    and with it the test's transaction. Django's own test client unhooks the same two receivers."""
    cache.clear()  # the rate limits of sign-in and the progress enquiry start afresh
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
    cache.clear()


def _real_ids(values: Any, world: World) -> None:
    """Swap generated integer ids for real ones in place (deterministic: by the generated value)."""
    if not isinstance(values, dict):
        return
    for name in _ID_NAMES:
        value = values.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value % 3 != 0:
            values[name] = world.ids[name]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="API_FUZZ_SEED" not in os.environ,  # another seed for a longer run: API_FUZZ_SEED=7
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_operation_conforms_to_its_schema(case: Any, world: World, in_process: None) -> None:
    if LOG:  # API_FUZZ_LOG=file: one line per case, to count what ran
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(f"{case.operation.label}\t{case.meta.phase.name.value if case.meta else '-'}\n")
    _real_ids(case.path_parameters, world)
    _real_ids(case.body, world)
    if case.path.startswith("/api/v1/portal/"):
        case.call_and_validate(
            headers={"X-CSRFToken": world.csrf}, cookies=world.portal_cookies, checks=CHECKS
        )
    else:
        case.call_and_validate(headers={"Authorization": f"Bearer {world.token}"}, checks=CHECKS)
