"""Bank batch-payment (代发) files: templates, rendering, and parsing the bank's result file (回盘).

A template fixes the layout (fixed-width text or CSV), the encoding (GBK or UTF-8) and the amount unit
(fen as an integer, or yuan with two decimals). ``fixed_gbk`` is modelled on the layout Chinese banks
commonly publish for 批量代发 text files: a header/control record with the batch number, the total count
and the total amount in fen; one fixed-width detail record per payee (account, name, amount, 用途,
reference); a trailer record repeating count and total; widths counted in *bytes of the encoding*,
text left-aligned and space-padded, numbers right-aligned and zero-padded, CRLF line ends. A real bank's
specification must be checked field by field before production use (docs/payments.md).

Nothing here touches the database: ``bank_file_render`` takes rows, ``bank_result_parse`` returns rows;
the services match them against the payroll.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal

from minzheng.common.money import CENT
from minzheng.common.spreadsheets import csv_writer
from minzheng.payments.errors import BankFileInvalid

Layout = Literal["fixed", "csv"]
Unit = Literal["fen", "yuan"]


@dataclass(frozen=True)
class BankTemplate:
    code: str
    label: str
    layout: Layout
    encoding: str  # "gbk" or "utf-8"
    unit: Unit
    extension: str


TEMPLATES: Final[dict[str, BankTemplate]] = {
    t.code: t
    for t in (
        BankTemplate("fixed_gbk", "代发定长文本（GBK，金额以分计）", "fixed", "gbk", "fen", "txt"),
        BankTemplate("csv_gbk", "代发 CSV（GBK，金额以元计）", "csv", "gbk", "yuan", "csv"),
        BankTemplate("csv_utf8", "代发 CSV（UTF-8，金额以元计）", "csv", "utf-8", "yuan", "csv"),
    )
}


def template_get(code: str) -> BankTemplate:
    try:
        return TEMPLATES[code]
    except KeyError:
        known = "、".join(f"{t.code}（{t.label}）" for t in TEMPLATES.values())
        raise BankFileInvalid(f"未知的银行文件模板“{code}”，可选：{known}", field="template") from None


@dataclass(frozen=True)
class BankRow:
    reference: str  # our key of the payment: the enrolment id, echoed back by the bank
    account: str
    name: str
    amount: Decimal
    purpose: str


@dataclass(frozen=True)
class BankBatch:
    number: str
    created_on: dt.date
    purpose: str
    rows: Sequence[BankRow]

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal("0.00"))


@dataclass(frozen=True)
class ResultRow:
    line_number: int
    reference: str
    account: str
    name: str
    amount: Decimal
    paid: bool
    reason: str


@dataclass(frozen=True)
class ParsedResult:
    batch_number: str
    declared_count: int
    declared_total: Decimal
    rows: list[ResultRow]


# --- fixed-width layout: (field, width in bytes) ---------------------------------------------------------
HEADER: Final = (("type", 1), ("batch", 20), ("count", 8), ("total", 15), ("date", 8), ("purpose", 30))
DETAIL: Final = (
    ("type", 1),
    ("seq", 8),
    ("account", 30),
    ("name", 30),
    ("amount", 15),
    ("purpose", 30),
    ("reference", 20),
)
RESULT_EXTRA: Final = (("status", 1), ("reason", 40))
TRAILER: Final = (("type", 1), ("count", 8), ("total", 15))
CSV_HEADER: Final = ("批次号", "总笔数", "总金额", "日期", "用途")
CSV_DETAIL: Final = ("序号", "收款账号", "收款户名", "金额", "用途", "业务参考号")
CSV_RESULT: Final = (*CSV_DETAIL, "处理结果", "失败原因")
SUCCESS, FAILURE = "S", "F"
CSV_SUCCESS, CSV_FAILURE = "成功", "失败"


def _amount_text(amount: Decimal, template: BankTemplate, width: int = 15) -> str:
    if template.unit == "fen":
        return str(int((amount * 100).to_integral_value())).rjust(width, "0")
    return f"{amount.quantize(CENT)}"


def _pad(text: str, width: int, encoding: str, *, number: bool = False) -> bytes:
    raw = text.encode(encoding)
    if len(raw) > width:
        raise ValueError(f"“{text}”超过 {width} 字节")
    return raw.rjust(width, b"0") if number else raw.ljust(width, b" ")


def _unencodable(batch: BankBatch, template: BankTemplate) -> list[tuple[int, str]]:
    """Rows whose text the template's encoding cannot represent (rare characters outside GBK)."""
    problems: list[tuple[int, str]] = []
    for number, row in enumerate(batch.rows, start=1):
        for label, text in (("户名", row.name), ("用途", row.purpose)):
            bad = [c for c in text if not _encodes(c, template.encoding)]
            if bad:
                problems.append(
                    (
                        number,
                        f"{label}“{text}”含 {template.encoding.upper()} 无法表示的字"
                        f"“{''.join(bad)}”（业务参考号 {row.reference}）",
                    )
                )
    return problems


def _encodes(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def bank_file_render(template: BankTemplate, batch: BankBatch) -> bytes:
    """The file to hand to the bank. Raises ``BankFileInvalid`` listing every row that cannot be written
    (a character the encoding lacks, a field too wide) instead of writing a silently wrong file."""
    problems = _unencodable(batch, template)
    if problems:
        raise BankFileInvalid(
            f"有 {len(problems)} 行含有 {template.encoding.upper()} 编码无法表示的生僻字，银行文件未生成；"
            "请改用 UTF-8 模板或与银行确认替代写法",
            rows=problems,
            code="bank_file_unencodable",
        )
    if template.layout == "csv":
        return _render_csv(template, batch)
    return _render_fixed(template, batch)


def _render_fixed(template: BankTemplate, batch: BankBatch) -> bytes:
    enc = template.encoding
    problems: list[tuple[int, str]] = []
    total = _amount_text(batch.total, template)
    lines = [
        b"H"
        + _pad(batch.number, 20, enc)
        + _pad(str(len(batch.rows)), 8, enc, number=True)
        + _pad(total, 15, enc, number=True)
        + batch.created_on.strftime("%Y%m%d").encode()
        + _pad(batch.purpose, 30, enc)
    ]
    for number, row in enumerate(batch.rows, start=1):
        try:
            lines.append(
                b"D"
                + _pad(str(number), 8, enc, number=True)
                + _pad(row.account, 30, enc)
                + _pad(row.name, 30, enc)
                + _pad(_amount_text(row.amount, template), 15, enc, number=True)
                + _pad(row.purpose, 30, enc)
                + _pad(row.reference, 20, enc)
            )
        except ValueError as error:
            problems.append((number, str(error)))
    if problems:
        raise BankFileInvalid("有字段超过银行文件规定的宽度，银行文件未生成", rows=problems)
    lines.append(b"T" + _pad(str(len(batch.rows)), 8, enc, number=True) + _pad(total, 15, enc, number=True))
    return b"\r\n".join(lines) + b"\r\n"


def _render_csv(template: BankTemplate, batch: BankBatch) -> bytes:
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\r\n")  # formula-like text inert (issue 16 §3)
    writer.writerow(CSV_HEADER)
    writer.writerow(
        [
            batch.number,
            len(batch.rows),
            _amount_text(batch.total, template),
            batch.created_on.strftime("%Y%m%d"),
            batch.purpose,
        ]
    )
    writer.writerow(CSV_DETAIL)
    for number, row in enumerate(batch.rows, start=1):
        writer.writerow(
            [number, row.account, row.name, _amount_text(row.amount, template), row.purpose, row.reference]
        )
    return out.getvalue().encode(template.encoding)


def bank_result_render(template: BankTemplate, batch: BankBatch, failures: dict[str, str]) -> bytes:
    """A result file as the bank would return it (used by the fake gateway and the tests):
    ``failures`` maps a row's reference to the bank's reason."""
    if template.layout == "csv":
        out = io.StringIO()
        writer = csv_writer(out, lineterminator="\r\n")  # formula-like text inert (issue 16 §3)
        writer.writerow(CSV_HEADER)
        writer.writerow(
            [
                batch.number,
                len(batch.rows),
                _amount_text(batch.total, template),
                batch.created_on.strftime("%Y%m%d"),
                batch.purpose,
            ]
        )
        writer.writerow(CSV_RESULT)
        for number, row in enumerate(batch.rows, start=1):
            failed = row.reference in failures
            writer.writerow(
                [
                    number,
                    row.account,
                    row.name,
                    _amount_text(row.amount, template),
                    row.purpose,
                    row.reference,
                    CSV_FAILURE if failed else CSV_SUCCESS,
                    failures.get(row.reference, ""),
                ]
            )
        return out.getvalue().encode(template.encoding)
    plain = _render_fixed(template, batch).split(b"\r\n")[:-1]
    enc = template.encoding
    details = []
    for row, line in zip(batch.rows, plain[1:-1], strict=True):
        failed = row.reference in failures
        details.append(
            line + (FAILURE if failed else SUCCESS).encode() + _pad(failures.get(row.reference, ""), 40, enc)
        )
    return b"\r\n".join([plain[0], *details, plain[-1]]) + b"\r\n"


# --- parsing the result file -------------------------------------------------------------------------------


def _decode(data: bytes, template: BankTemplate) -> list[str]:
    """The file's lines, strictly decoded; a file in another encoding is refused with the rows at fault."""
    if template.encoding == "gbk" and not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise BankFileInvalid(
                "文件为 UTF-8 编码，而模板规定为 GBK 编码，已拒绝导入，未做任何修改",
                rows=[(0, "请使用银行返回的原始回盘文件")],
                code="bank_file_encoding",
            )
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    bad = []
    decoded = []
    for number, raw in enumerate(lines, start=1):
        try:
            decoded.append(raw.rstrip(b"\r").decode(template.encoding))
        except UnicodeDecodeError:
            bad.append((number, f"含有不能按 {template.encoding.upper()} 解码的字节"))
    if bad:
        raise BankFileInvalid(
            f"文件编码与模板（{template.encoding.upper()}）不符，已拒绝导入，未做任何修改",
            rows=bad,
            code="bank_file_encoding",
        )
    return decoded


def _money(text: str, template: BankTemplate) -> Decimal:
    text = text.strip()
    if template.unit == "fen":
        if not text.isdigit():
            raise ValueError(f"金额“{text}”不是以分计的整数")
        return (Decimal(int(text)) / 100).quantize(CENT)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"金额“{text}”不是数字") from None
    if value != value.quantize(CENT):
        raise ValueError(f"金额“{text}”超过两位小数")
    return value.quantize(CENT)


def _fields(raw: bytes, layout: Sequence[tuple[str, int]], encoding: str) -> dict[str, str]:
    if len(raw) != sum(width for _, width in layout):
        raise ValueError(f"记录长度 {len(raw)} 字节，应为 {sum(w for _, w in layout)} 字节")
    values, start = {}, 0
    for name, width in layout:
        values[name] = raw[start : start + width].decode(encoding).strip()
        start += width
    return values


def bank_result_parse(template: BankTemplate, data: bytes) -> ParsedResult:
    """Rows of the bank's result file. Raises ``BankFileInvalid`` with every row-level problem found;
    the declared count and total must equal the detail rows' count and sum."""
    lines = _decode(data, template)
    if template.layout == "csv":
        return _parse_csv(template, lines)
    return _parse_fixed(template, data, len(lines))


def _parse_fixed(template: BankTemplate, data: bytes, count: int) -> ParsedResult:
    raw_lines = [line.rstrip(b"\r") for line in data.split(b"\n")[:count]]
    problems: list[tuple[int, str]] = []
    if len(raw_lines) < 2 or not raw_lines[0].startswith(b"H") or not raw_lines[-1].startswith(b"T"):
        raise BankFileInvalid("回盘文件缺少首记录（H）或尾记录（T）", rows=[(0, "文件结构不符合模板")])
    enc = template.encoding
    try:
        head, tail = _fields(raw_lines[0], HEADER, enc), _fields(raw_lines[-1], TRAILER, enc)
        declared = (int(head["count"]), _money(head["total"], template))
        trailer = (int(tail["count"]), _money(tail["total"], template))
    except ValueError as error:
        raise BankFileInvalid("回盘文件首记录或尾记录格式错误", rows=[(1, str(error))]) from None
    if declared != trailer:
        problems.append(
            (
                len(raw_lines),
                f"尾记录笔数/金额 {trailer[0]} 笔 {trailer[1]} 元与首记录 "
                f"{declared[0]} 笔 {declared[1]} 元不一致",
            )
        )
    rows: list[ResultRow] = []
    for number, raw in enumerate(raw_lines[1:-1], start=2):
        try:
            values = _fields(raw, (*DETAIL, *RESULT_EXTRA), enc)
            if values["type"] != "D" or values["status"] not in (SUCCESS, FAILURE):
                raise ValueError("记录类型或处理结果标志不正确")
            rows.append(
                ResultRow(
                    number,
                    values["reference"],
                    values["account"],
                    values["name"],
                    _money(values["amount"], template),
                    values["status"] == SUCCESS,
                    values["reason"],
                )
            )
        except ValueError as error:
            problems.append((number, str(error)))
    if problems:
        raise BankFileInvalid("回盘文件格式错误，已拒绝导入，未做任何修改", rows=problems)
    return ParsedResult(head["batch"], declared[0], declared[1], rows)


def _parse_csv(template: BankTemplate, lines: list[str]) -> ParsedResult:
    records = list(csv.reader(lines))
    if len(records) < 3 or tuple(records[0]) != CSV_HEADER or tuple(records[2]) != CSV_RESULT:
        raise BankFileInvalid(
            "回盘文件表头不符合模板",
            rows=[(1, "应为：" + ",".join(CSV_HEADER)), (3, "应为：" + ",".join(CSV_RESULT))],
        )
    problems: list[tuple[int, str]] = []
    try:
        batch, count, total = records[1][0], int(records[1][1]), _money(records[1][2], template)
    except (ValueError, IndexError) as error:
        raise BankFileInvalid("回盘文件汇总行格式错误", rows=[(2, str(error))]) from None
    rows: list[ResultRow] = []
    for number, record in enumerate(records[3:], start=4):
        try:
            if len(record) != len(CSV_RESULT) or record[6] not in (CSV_SUCCESS, CSV_FAILURE):
                raise ValueError("列数或处理结果不正确")
            rows.append(
                ResultRow(
                    number,
                    record[5].strip(),
                    record[1].strip(),
                    record[2].strip(),
                    _money(record[3], template),
                    record[6] == CSV_SUCCESS,
                    record[7].strip(),
                )
            )
        except ValueError as error:
            problems.append((number, str(error)))
    if problems:
        raise BankFileInvalid("回盘文件格式错误，已拒绝导入，未做任何修改", rows=problems)
    return ParsedResult(batch, count, total, rows)


# --- the result file as columns: the reconciliation of a region-sized payroll (issue 21) -------------------


@dataclass(frozen=True)
class ResultColumns:
    """The detail rows of a result file column by column, amounts in whole fen; ``rows()`` gives the same
    rows as ``bank_result_parse`` (for the row-level report of a file that does not reconcile)."""

    batch_number: str
    declared_count: int
    declared_total: Decimal
    line_numbers: list[int]
    references: list[str]
    accounts: list[str]
    names: list[str]
    amounts_fen: list[int]
    paid: list[bool]
    reasons: list[str]

    def rows(self) -> ParsedResult:
        rows = [
            ResultRow(number, reference, account, name, Decimal(fen).scaleb(-2), paid, reason)
            for number, reference, account, name, fen, paid, reason in zip(
                self.line_numbers,
                self.references,
                self.accounts,
                self.names,
                self.amounts_fen,
                self.paid,
                self.reasons,
                strict=True,
            )
        ]
        return ParsedResult(self.batch_number, self.declared_count, self.declared_total, rows)


def bank_result_columns(template: BankTemplate, data: bytes) -> ResultColumns:
    """``bank_result_parse`` for a large file: the same checks and values, as columns. A fixed-width file
    whose every detail record is well-formed is cut into fields by Arrow compute functions instead of a
    Python loop per field (about 15 times faster); any other file — CSV, or one with a faulty record,
    which must be reported row by row — goes through ``bank_result_parse``."""
    columns = _fixed_columns(template, data) if template.layout == "fixed" else None
    if columns is not None:
        return columns
    parsed = bank_result_parse(template, data)
    rows = parsed.rows
    return ResultColumns(
        parsed.batch_number,
        parsed.declared_count,
        parsed.declared_total,
        [r.line_number for r in rows],
        [r.reference for r in rows],
        [r.account for r in rows],
        [r.name for r in rows],
        [int(r.amount.scaleb(2)) for r in rows],
        [r.paid for r in rows],
        [r.reason for r in rows],
    )


def _fixed_columns(template: BankTemplate, data: bytes) -> ResultColumns | None:
    """The fast path, or None when the file is not plainly well-formed (then the row parser reports it).

    The detail records are all ``width`` bytes plus CRLF, so the block between the header and the trailer
    is read as one fixed-size binary Arrow array over the file's own bytes (no list of lines, no copy).
    The file is not decoded as a whole: every field is checked instead — the ASCII ones as ASCII, the
    text ones (sequence number, name, purpose, reason) decoded one distinct value at a time — and fields
    that each decode make lines that decode, so this refuses whatever ``_decode`` and ``_fields`` refuse."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = template.encoding
    if enc != "utf-8" and not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return None  # a UTF-8 file where GBK is declared: the row parser refuses it
    if not data.endswith(b"\r\n") or not data.startswith(b"H"):
        return None
    newlines = data.count(b"\n")
    if newlines < 2:
        return None
    head_end = data.index(b"\r\n")
    tail_start = data.rindex(b"\r\n", 0, len(data) - 2) + 2
    if data[tail_start : tail_start + 1] != b"T":
        return None
    try:
        head, tail = _fields(data[:head_end], HEADER, enc), _fields(data[tail_start:-2], TRAILER, enc)
        declared = (int(head["count"]), _money(head["total"], template))
        if declared != (int(tail["count"]), _money(tail["total"], template)):
            return None
    except ValueError:  # including UnicodeDecodeError
        return None
    layout = (*DETAIL, *RESULT_EXTRA)
    width = sum(w for _, w in layout)
    body = memoryview(data)[head_end + 2 : tail_start]
    count, rest = divmod(len(body), width + 2)
    if rest or newlines != count + 2:  # a record of another width, or a line feed inside one
        return None
    details = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width + 2), count, [None, pa.py_buffer(body)])
    field: dict[str, Any] = {}
    start = 0
    for name, size in layout:
        field[name] = pc.binary_slice(details, start, start + size).cast(pa.binary())
        start += size
    try:
        ascii_ = {
            k: pc.utf8_trim_whitespace(field[k].cast(pa.string())) for k in ("account", "amount", "reference")
        }
    except pa.ArrowInvalid:
        return None  # not UTF-8 where digits belong
    well_formed = (
        pc.all(pc.equal(pc.binary_slice(details, width, width + 2), b"\r\n")).as_py()
        and pc.all(pc.equal(field["type"], b"D")).as_py()
        and pc.all(pc.is_in(field["status"], pa.array([SUCCESS.encode(), FAILURE.encode()]))).as_py()
        and pc.all(pc.utf8_is_digit(ascii_["amount"])).as_py()
        and all(pc.all(pc.string_is_ascii(ascii_[k])).as_py() is not False for k in ("account", "reference"))
    )
    if not well_formed:
        return None
    texts = {k: _decode_column(field[k], enc) for k in ("name", "purpose", "reason")}
    if any(text is None for text in texts.values()):
        return None
    if not _ascii(field["seq"]) and _decode_column(field["seq"], enc) is None:  # read by no one, but checked
        return None
    return ResultColumns(
        head["batch"],
        declared[0],
        declared[1],
        list(range(2, count + 2)),
        ascii_["reference"].to_pylist(),
        ascii_["account"].to_pylist(),
        texts["name"].to_pylist(),
        ascii_["amount"].cast(pa.int64()).to_pylist(),
        pc.equal(field["status"], SUCCESS.encode()).to_pylist(),
        texts["reason"].to_pylist(),
    )


def _ascii(values: Any) -> bool:
    """Whether every value of a binary Arrow array is ASCII (one check of its data buffer)."""
    return _data(values).isascii()


def _data(values: Any) -> bytes:
    """The bytes of a binary Arrow array's values, end to end."""
    offsets = memoryview(values.buffers()[1]).cast("i")  # int32 offsets of the binary array
    start, end = offsets[values.offset], offsets[values.offset + len(values)]
    return values.buffers()[2].to_pybytes()[start:end] if end > start else b""


def _decode_column(values: Any, encoding: str) -> Any:
    """A column of fixed-width text fields decoded field by field and stripped, as ``_fields`` does, as an
    Arrow string array; None when one does not decode. Each distinct value is decoded once (a dictionary:
    the purposes and reasons of a file are a handful, its names fewer than its rows), in one C call: the
    values joined by LF (which no GBK or UTF-8 multi-byte character contains, so a field that ends inside
    a character fails to decode as it would alone)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(values)
    distinct = encoded.dictionary
    try:
        text = _data(pc.binary_join_element_wise(distinct, b"", b"\n")).decode(encoding)
    except UnicodeDecodeError:
        return None
    decoded = pa.array([part.strip() for part in text.split("\n")[:-1]], pa.string())
    return decoded.take(encoded.indices)
