"""File exchange with the departments (issue 23 §4): a department returns its verification results for many
applications at once as a CSV or Excel file with a signed manifest; adapters fetch such deliveries from a
directory (the usual 前置机 exchange folder) or an HTTP service. Nothing is tied to one vendor: an adapter
only yields (file name, content, manifest).

The manifest is JSON: ``{"source": "housing_fund", "file_name": "…", "sha256": "<hex>", "rows": n,
"signature": "<hex>"}`` where the signature is HMAC-SHA256 over the file's bytes with the source's exchange
key (``exchange_key``: derived from the index key, one per source, given to that department). A file whose
signature, digest or row count does not match is refused before it is read.

The file's columns: 申请编号 (application_number), 核对结论 (outcome: 与申报一致/与申报不一致/无数据 or
consistent/inconsistent/no_data), 金额 (amount, optional), 说明 (note, optional). All rows or none: every row
must name an application at 信息核对 in the importing user's jurisdiction whose current check of the source is
still pending. The checks are updated with ``bulk_update`` (one statement per 1,000 rows); the content is
accepted once (a partial unique index on the content hash).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

from django.db import IntegrityError, transaction

from minzheng.accounts.models import User
from minzheng.applications.rules import Record, Step, record_roles
from minzheng.audit.services import event_record
from minzheng.common import crypto
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.departments import rules
from minzheng.departments.models import ExchangeReturn, SourceCheck
from minzheng.departments.rules import CheckStatus, Outcome
from minzheng.monitoring.feeds import FeedInvalid, table_read

KEY_PURPOSE = "exchange_key"
COLUMNS = {"申请编号": "application_number", "核对结论": "outcome", "金额": "amount", "说明": "note"}
OUTCOMES = {o.label: o.value for o in (Outcome.CONSISTENT, Outcome.INCONSISTENT, Outcome.NO_DATA)}
OUTCOMES |= {v: v for v in list(OUTCOMES.values())}
LOOKUP_CHUNK = 500
MAX_ERRORS = 200


def exchange_key(source: str) -> str:
    """The source's exchange key (hex): what the department signs its returned files with."""
    return crypto.blind_index(source, purpose=KEY_PURPOSE)


def manifest_sign(source: str, file_name: str, content: bytes, rows: int) -> dict[str, Any]:
    """The manifest a department sends with a file (used by the fake department and the docs' example)."""
    signature = hmac.new(bytes.fromhex(exchange_key(source)), content, hashlib.sha256).hexdigest()
    return {
        "source": source,
        "file_name": file_name,
        "sha256": hashlib.sha256(content).hexdigest(),
        "rows": rows,
        "signature": signature,
    }


@dataclass(frozen=True)
class Delivery:
    file_name: str
    content: bytes
    manifest: dict[str, Any]


class ExchangeAdapter(Protocol):
    name: str

    def deliveries(self) -> Iterator[Delivery]: ...


class FileAdapter:
    """Deliveries in an exchange folder: ``<name>`` beside ``<name>.manifest.json``."""

    name = "file"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def deliveries(self) -> Iterator[Delivery]:
        for manifest_path in sorted(self.directory.glob("*.manifest.json")):
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            data = manifest_path.with_name(manifest_path.name.removesuffix(".manifest.json"))
            yield Delivery(data.name, data.read_bytes(), manifest)


class HttpAdapter:
    """A department's exchange service: ``GET {base}/returns`` lists ``[{"file_name", "manifest"}]``, ``GET
    {base}/returns/{file_name}`` gives the file. Bearer token; no vendor specifics."""

    name = "http"

    def __init__(self, base_url: str, token: str = "", timeout: float = 30) -> None:
        self.base_url, self.token, self.timeout = base_url.rstrip("/"), token, timeout

    def _get(self, path: str) -> bytes:
        request = urllib.request.Request(f"{self.base_url}{path}")  # noqa: S310 - a configured https/http URL
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            body: bytes = response.read()
            return body

    def deliveries(self) -> Iterator[Delivery]:
        for item in json.loads(self._get("/returns")):
            name = str(item["file_name"])
            yield Delivery(name, self._get(f"/returns/{urllib.parse.quote(name)}"), dict(item["manifest"]))


class ExchangeRefused(ValidationFailed):
    code = "exchange_refused"


def _manifest_check(delivery: Delivery) -> str:
    """The source the manifest names, once its digest and signature match the file."""
    manifest, content = delivery.manifest, delivery.content
    source = str(manifest.get("source", ""))
    if source not in rules.SOURCE_BY_CODE:
        raise ExchangeRefused(f"清单中的核对数据来源“{source}”无效", field="manifest")
    if manifest.get("sha256") != hashlib.sha256(content).hexdigest():
        raise ExchangeRefused("文件内容与清单摘要不符（文件可能不完整或被修改）", field="manifest")
    expected = hmac.new(bytes.fromhex(exchange_key(source)), content, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, str(manifest.get("signature", ""))):
        raise ExchangeRefused("清单签名验证失败，文件不是该部门签发的", field="manifest")
    return source


def _rows(
    header: Sequence[Any], rows: Iterator[Sequence[Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    keys = [COLUMNS.get(str(h).strip().lstrip("\ufeff"), str(h).strip()) for h in header]
    errors: list[dict[str, Any]] = []
    if "application_number" not in keys or "outcome" not in keys:
        return [], [{"row": 1, "message": "缺少“申请编号”或“核对结论”列"}]
    parsed = []
    for n, row in enumerate(rows, 2):
        values = {k: ("" if v is None else str(v).strip()) for k, v in zip(keys, row, strict=False)}
        if not any(values.values()):
            continue
        outcome = OUTCOMES.get(values.get("outcome", ""))
        amount: Decimal | None = None
        try:
            amount = (
                Decimal(values["amount"].replace(",", "")).quantize(Decimal("0.01"))
                if values.get("amount")
                else None
            )
        except InvalidOperation:
            errors.append({"row": n, "message": f"金额“{values['amount']}”无效"})
        if outcome is None:
            errors.append(
                {
                    "row": n,
                    "message": f"核对结论“{values.get('outcome', '')}”无效"
                    "（与申报一致、与申报不一致或无数据）",
                }
            )
        parsed.append(
            {
                "row": n,
                "number": values.get("application_number", ""),
                "outcome": outcome,
                "amount": amount,
                "note": values.get("note", "")[:200],
            }
        )
    return parsed, errors


def _checks(
    actor: User, source: str, rows: list[dict[str, Any]], errors: list[dict[str, Any]]
) -> list[SourceCheck]:
    """The pending current checks the rows name, in the actor's jurisdiction (one query per 500 numbers)."""
    numbers = sorted({r["number"] for r in rows})
    found: dict[str, SourceCheck] = {}
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        part = numbers[start : start + LOOKUP_CHUNK]
        for check in (
            SourceCheck.objects.visible_to(actor)
            .filter(
                application__number__in=part, source=source, current=True, application__step=Step.VERIFYING
            )
            .select_related("application")
        ):
            found[str(check.application.number)] = check
    return _rows_apply(rows, found, errors)


def _rows_apply(
    rows: list[dict[str, Any]], found: dict[str, SourceCheck], errors: list[dict[str, Any]]
) -> list[SourceCheck]:
    """Each row's figures on its check; rows naming no pending check (or twice the same) are errors."""
    seen: set[str] = set()
    out = []
    for row in rows:
        check = found.get(row["number"])
        if check is None:
            errors.append(
                {
                    "row": row["row"],
                    "message": f"申请“{row['number']}”不存在、不在管辖范围内或不在信息核对环节",
                }
            )
        elif check.status != CheckStatus.PENDING:
            errors.append({"row": row["row"], "message": f"申请“{row['number']}”的该项核对结果已确认"})
        elif row["number"] in seen:
            errors.append({"row": row["row"], "message": f"申请“{row['number']}”重复"})
        else:
            seen.add(row["number"])
            check.outcome = row["outcome"] or ""
            check.found_amount = row["amount"]
            check.members_with_data = check.members_total if row["outcome"] != Outcome.NO_DATA else 0
            check.returned_note = row["note"]
            out.append(check)
    return out


def _record(
    actor: User | None, delivery: Delivery, source: str, channel: str, **fields: Any
) -> ExchangeReturn:
    return ExchangeReturn.objects.create(
        source=source,
        file_name=delivery.file_name[:200],
        sha256=hashlib.sha256(delivery.content).hexdigest(),
        channel=channel,
        imported_by=actor,
        **fields,
    )


def exchange_return_import(*, actor: User, delivery: Delivery, channel: str = "upload") -> ExchangeReturn:
    """Apply one returned file to the pending checks of its source (all rows or none; see the module)."""
    if actor.role not in record_roles(Record.VERIFICATION):
        raise PermissionDenied("您的角色不能导入部门核对结果")
    source = _manifest_check(delivery)
    existing = ExchangeReturn.objects.filter(
        source=source, sha256=delivery.manifest["sha256"], status=ExchangeReturn.Status.APPLIED
    ).first()
    if existing is not None:
        return existing
    try:
        header, raw = table_read(delivery.content, delivery.file_name)
    except FeedInvalid as error:
        return _record(
            actor,
            delivery,
            source,
            channel,
            status=ExchangeReturn.Status.REJECTED,
            errors=[{"row": 0, "message": error.message}],
        )
    rows, errors = _rows(header, raw)
    if int(delivery.manifest.get("rows", -1)) != len(rows):
        errors.insert(
            0, {"row": 0, "message": f"清单行数 {delivery.manifest.get('rows')} 与文件行数 {len(rows)} 不符"}
        )
    checks = _checks(actor, source, rows, errors) if not errors else []
    if errors:
        return _record(
            actor,
            delivery,
            source,
            channel,
            status=ExchangeReturn.Status.REJECTED,
            rows=len(rows),
            errors=sorted(errors, key=lambda e: e["row"])[:MAX_ERRORS],
        )
    try:
        with transaction.atomic():
            batch = _record(
                actor,
                delivery,
                source,
                channel,
                status=ExchangeReturn.Status.APPLIED,
                rows=len(rows),
                applied=len(checks),
            )
            for check in checks:
                check.exchange = batch
            SourceCheck.objects.bulk_update(
                checks,
                ["outcome", "found_amount", "members_with_data", "returned_note", "exchange"],
                batch_size=1000,
            )
            event_record(
                actor=actor,
                verb="departments.exchange_applied",
                object_type="departments.exchange_return",
                object_id=batch.pk,
                summary=f"导入{rules.SOURCE_BY_CODE[source].department}回传文件 "
                f"{delivery.file_name}：{len(checks)} 件申请的核对结果",
            )
    except IntegrityError:  # the same content applied concurrently: that import wins
        return ExchangeReturn.objects.get(
            source=source, sha256=delivery.manifest["sha256"], status=ExchangeReturn.Status.APPLIED
        )
    return batch


def exchange_pull(*, actor: User, adapter: ExchangeAdapter) -> list[ExchangeReturn]:
    """Import every delivery the adapter offers; a refused manifest is recorded as a rejected return."""
    out = []
    for delivery in adapter.deliveries():
        try:
            out.append(exchange_return_import(actor=actor, delivery=delivery, channel=adapter.name))
        except ExchangeRefused as error:
            source = str(delivery.manifest.get("source", ""))[:20]
            out.append(
                _record(
                    actor,
                    delivery,
                    source,
                    adapter.name,
                    status=ExchangeReturn.Status.REJECTED,
                    errors=[{"row": 0, "message": error.message}],
                )
            )
    return out
