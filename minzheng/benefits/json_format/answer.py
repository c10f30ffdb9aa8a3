"""Running a read request through the engine and answering with the JSON result: the one call of the
``assess`` command and of ``POST /api/v1/assessments``. Only ``division_known_check`` reads the database
(the command and the API have it; the reader does not)."""

from __future__ import annotations

from typing import Any

from minzheng.benefits.engine import assess
from minzheng.benefits.errors import ParameterMissing
from minzheng.benefits.json_format.reader import assessment_request_read
from minzheng.benefits.json_format.shapes import FORMAT_VERSION, AssessmentRequest
from minzheng.benefits.params import Params
from minzheng.benefits.reasons import AssessmentResult, result_as_dict


def division_known_check(code: str) -> None:
    """The division code exists in the division table (``DivisionNotFound``, field ``division_code``).
    The only database read of this module; the command and the API call it, the reader does not."""
    from minzheng.divisions.errors import DivisionNotFound
    from minzheng.divisions.models import Division

    if not Division.objects.filter(code=code).exists():
        raise DivisionNotFound(
            f"区划代码 {code} 不在区划表中（请核对代码，或先导入行政区划）", field="division_code"
        )


def assessment_run(request: AssessmentRequest, params: Params) -> AssessmentResult:
    """``engine.assess`` for the request. A parameter missing for the place and date
    (``ParameterMissing``, ADR 0003) is re-raised naming ``as_of``, the input that selects it."""
    try:
        return assess(
            request.programme,
            request.facts,
            params,
            person_key=request.person_key,
            temporary_request=request.temporary_request,
        )
    except ParameterMissing as exc:
        if exc.field is not None:
            raise
        facts = request.facts
        raise type(exc)(
            f"{exc.message}。请核对评估日期 as_of（{facts.as_of}）与区划代码 division_code"
            f"（{facts.division_code}），或先录入该日期适用的政策参数",
            field="as_of",
            code=exc.code,
        ) from exc


def assessment_response(
    result: AssessmentResult, request: AssessmentRequest, *, parameter_source: str
) -> dict[str, Any]:
    """``result_as_dict`` with the format version, what was assessed and where the parameters came from
    (``database``, ``builtin`` or ``file``)."""
    facts = request.facts
    return {
        "format_version": FORMAT_VERSION,
        "programme": result.programme,
        "as_of": facts.as_of.isoformat(),
        "division_code": facts.division_code,
        "urban_rural": facts.urban_rural,
        "household_key": facts.household_key,
        "person_key": request.person_key,
        "parameter_source": parameter_source,
        **result_as_dict(result),
    }


def assessment_evaluate(*, data: Any, params: Params, parameter_source: str) -> dict[str, Any]:
    """Read, check the division against the division table, assess and answer: the one call of the
    ``assess`` command and of the API endpoint. Writes nothing."""
    request = assessment_request_read(data)
    division_known_check(request.facts.division_code)
    return assessment_response(assessment_run(request, params), request, parameter_source=parameter_source)
