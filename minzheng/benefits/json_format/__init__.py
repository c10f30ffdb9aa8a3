"""The JSON household description read by ``minzheng assess`` and ``POST /api/v1/assessments``
(docs/assessment-format.md, format version 1), and the JSON result they return.

The reader is pure: it turns a parsed JSON object into ``HouseholdFacts`` and the request around them,
with no database record needed. Every field is declared once in the ``Shape`` tables (``shapes``); those
tables drive the reader, the defaults (the fact dataclasses' own) and the JSON Schema of the API
documentation, so the three cannot drift apart. Anything unexpected is refused with a Chinese message and
the path of the field at fault (``members[1].birth_date``): unknown keys (typos), missing required
fields, wrong types, unknown codes, floats' binary noise (money is read exactly as ``Decimal``),
booleans given as money, negative amounts. Then ``facts.household_validate`` checks the household's
consistency, so a file that reads without error is one the engine accepts as input.

Only ``division_known_check`` reads the database (the command and the API have it; the reader does not).

The package: ``shapes`` (the declared fields), ``reader`` (JSON → request), ``answer`` (run and answer) and
``schema`` (the JSON Schema of the API documentation).
"""

from minzheng.benefits.json_format.answer import (
    assessment_evaluate,
    assessment_response,
    assessment_run,
    division_known_check,
)
from minzheng.benefits.json_format.reader import assessment_json_parse, assessment_request_read, money_read
from minzheng.benefits.json_format.schema import request_json_schema
from minzheng.benefits.json_format.shapes import (
    ADL,
    ASSET,
    FORMAT_VERSION,
    HOUSEHOLD_FIELDS,
    INCOME,
    MEMBER,
    MONEY_LIMIT,
    PREVIOUS_ENROLMENT,
    PROGRAMME_CHOICES,
    REQUEST,
    RIGID_EXPENSE,
    TEMPORARY_REQUEST,
    AssessmentFormatInvalid,
    AssessmentRequest,
    Field,
    Shape,
)

__all__ = [
    "ADL",
    "ASSET",
    "FORMAT_VERSION",
    "HOUSEHOLD_FIELDS",
    "INCOME",
    "MEMBER",
    "MONEY_LIMIT",
    "PREVIOUS_ENROLMENT",
    "PROGRAMME_CHOICES",
    "REQUEST",
    "RIGID_EXPENSE",
    "TEMPORARY_REQUEST",
    "AssessmentFormatInvalid",
    "AssessmentRequest",
    "Field",
    "Shape",
    "assessment_evaluate",
    "assessment_json_parse",
    "assessment_request_read",
    "assessment_response",
    "assessment_run",
    "division_known_check",
    "money_read",
    "request_json_schema",
]
