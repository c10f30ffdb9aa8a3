"""Reading PostgreSQL's ``COPY … TO STDOUT`` fast, into memory or in slices, and its CSV into Arrow: the
snapshots of the benefits engine (``benefits.columnar``) and of the monitoring engine read millions of rows
this way (issue 21, bench/speed-whatif.md)."""

from __future__ import annotations

import io
import select
from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Any, TypeAlias

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

if TYPE_CHECKING:
    import psycopg


def csv_table(buffer: io.BytesIO, schema: pa.Schema) -> pa.Table:
    """PostgreSQL's CSV of some rows as an Arrow table of ``schema`` (PostgreSQL's booleans ``t``/``f``)."""
    return pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=schema.names),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=schema,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )


def copy_in_arrow(cursor: Any, statement: str, batches: Iterable[pa.Table | pa.RecordBatch]) -> None:
    """Send Arrow ``batches`` into ``statement`` (``COPY … FROM STDIN (FORMAT CSV)``, columns in the batches'
    order) on a Django ``cursor``: each batch written as CSV by pyarrow (C++, every text value quoted) and
    handed to the server, which parses one batch while the next is written — no Python object per row."""
    from psycopg.copy import QueuedLibpqWriter

    options = pacsv.WriteOptions(include_header=False)
    # a worker thread sends to the server while this one writes the next batch (pyarrow releases the GIL)
    with cursor.cursor.copy(statement, writer=QueuedLibpqWriter(cursor.cursor)) as copy:
        for batch in batches:
            buffer = io.BytesIO()
            pacsv.write_csv(batch, buffer, options)
            copy.write(buffer.getbuffer())


def copy_out(raw: psycopg.Connection[Any], statement: str) -> io.BytesIO:
    """The whole output of ``COPY … TO STDOUT`` in memory (``copy_slices`` in one slice)."""
    slices = list(copy_slices(raw, statement))
    return slices[0] if slices else io.BytesIO()


def copy_slices(
    raw: psycopg.Connection[Any], statement: str, size: int | None = None
) -> Generator[io.BytesIO]:
    """The output of ``COPY … TO STDOUT`` read from libpq row by row, in slices of at least ``size``
    bytes (``None``: one slice), each ending at a row's end (libpq hands out one row at a time), waiting
    on the socket only when no row is buffered. psycopg's ``Copy`` iterator goes through its wait loop
    once per row: 0.8 CPU-seconds per million rows in our process, as much as PostgreSQL spends producing
    an unjoined table, and on the thread that also parses (issue 21: 0.34 here, bench/speed-whatif.md).
    A statement that fails raises PostgreSQL's error (after the slices already read) and leaves the
    connection usable, as does a consumer that stops early (the rest is read and dropped); an exception
    inside the loop closes it (its protocol state is unknown; Django reconnects). Consume it whole or
    inside ``contextlib.closing``: the connection is locked until then."""
    import psycopg
    from psycopg import pq

    pgconn, buffer = raw.pgconn, io.BytesIO()
    limit = size if size is not None else float("inf")
    with raw.lock:
        try:
            pgconn.send_query(statement.encode())
            while pgconn.flush():
                _wait(pgconn.socket, select.POLLOUT)
            result = _result(pgconn)
            if result.status == pq.ExecStatus.COPY_OUT:
                while (row := pgconn.get_copy_data(1))[0] >= 0:
                    if row[0]:
                        if buffer.write(row[1]) and buffer.tell() >= limit:
                            buffer.seek(0)
                            yield buffer
                            buffer = io.BytesIO()
                    else:  # nothing buffered: wait for the next packet without holding the GIL
                        _wait(pgconn.socket, select.POLLIN)
                        pgconn.consume_input()
                result = _result(pgconn)
            while _result(pgconn) is not None:  # the statement's results end with None
                pass
        except GeneratorExit:  # the consumer stopped: the rest is read and dropped, the connection lives
            if not _drained(pgconn):
                raw.close()
            raise
        except BaseException:
            raw.close()
            raise
    if result.status != pq.ExecStatus.COMMAND_OK:
        raise psycopg.errors.error_from_result(result, encoding=raw.info.encoding)
    if buffer.tell():
        buffer.seek(0)
        yield buffer


def _drained(pgconn: Any) -> bool:
    """Read and drop the rest of a ``COPY … TO STDOUT`` and its results; False if that failed."""
    try:
        while pgconn.get_copy_data(0)[0] >= 0:
            pass
        while _result(pgconn) is not None:
            pass
    except Exception:  # noqa: BLE001 - the caller closes the connection instead
        return False
    return True


def _result(pgconn: Any) -> Any:
    """The next result of the statement (None after the last), once libpq holds it whole."""
    pgconn.consume_input()
    while pgconn.is_busy():
        _wait(pgconn.socket, select.POLLIN)
        pgconn.consume_input()
    return pgconn.get_result()


def _wait(socket: int, event: int) -> None:
    poll = select.poll()
    poll.register(socket, event)
    poll.poll()


# --- binary COPY from Arrow ---------------------------------------------------------------------------
# PostgreSQL's binary COPY format (docs: "COPY … Binary Format"): a signature, each row as a 16-bit field
# count and every field as a 32-bit length (-1: NULL) and the type's binary form (``*_send``/``*_recv``),
# then a trailer. Built column at a time with Arrow compute (no Python object per row): PostgreSQL then
# parses no text — 10-15 % of a feed import's COPY (bench/speed-monitoring.md, session 13).

BINARY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags 0, no header extension
BINARY_TRAILER = b"\xff\xff"
_NULL_FIELD = pa.scalar(b"\xff\xff\xff\xff", pa.binary())
_PG_EPOCH_DAYS = 10_957  # 2000-01-01, PostgreSQL's day 0, in days since 1970-01-01 (Arrow's date32)
_NUMERIC_GROUPS = 3  # base-10000 digits before the point: numeric(p, s) with p - s <= 12
_NUMERIC_NEGATIVE = 0x4000


def _big_endian(values: pa.Array, code: str, width: int) -> pa.Array:
    """Each integer of ``values`` (``width`` bytes, no nulls) as ``width`` big-endian bytes."""
    import array
    import sys

    values = values.cast({"q": pa.int64(), "i": pa.int32(), "h": pa.int16()}[code])  # compute widens
    words = array.array(code)
    start = values.offset * width
    words.frombytes(memoryview(values.buffers()[1])[start : start + len(values) * width])
    if sys.byteorder == "little":
        words.byteswap()
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(values), [None, pa.py_buffer(words)])
    return fixed.cast(pa.binary())


Part: TypeAlias = "pa.Array | pa.Scalar"


def _length(length: int) -> pa.Scalar:
    return pa.scalar(length.to_bytes(4, "big"), pa.binary())


def _integers(values: pa.Array, pg_width: int) -> list[Part]:
    code = {8: "q", 4: "i", 2: "h"}[pg_width]
    return [_length(pg_width), _big_endian(pc.fill_null(values, 0), code, pg_width)]


def _numeric(values: pa.Array) -> list[Part]:
    """``numeric`` in PostgreSQL's form: 4 base-10000 digits (3 before the point, 1 after), weight 2, the
    scale as dscale; PostgreSQL strips the leading and trailing zero digits on receipt."""
    scale = values.type.scale
    if scale > 4 or values.type.precision - scale > 4 * _NUMERIC_GROUPS:
        raise ValueError(f"numeric({values.type.precision},{scale}) is wider than the binary encoder")
    units = pc.cast(pc.multiply(pc.fill_null(values, 0), pa.scalar(10**scale, pa.int64())), pa.int64())
    size = pc.abs(units)
    whole = pc.divide(size, pa.scalar(10**scale, pa.int64()))
    fraction = pc.multiply(pc.subtract(size, pc.multiply(whole, 10**scale)), 10 ** (4 - scale))

    def group(power: int) -> pa.Array:
        above = pc.divide(whole, pa.scalar(10**power, pa.int64()))
        return _big_endian(pc.subtract(above, pc.multiply(pc.divide(above, 10_000), 10_000)), "h", 2)

    sign = pc.if_else(pc.less(units, 0), _NUMERIC_NEGATIVE, 0)
    head = (
        (16).to_bytes(4, "big") + (4).to_bytes(2, "big") + (2).to_bytes(2, "big")
    )  # length, ndigits, weight
    digits = [group(8), group(4), group(0), _big_endian(fraction, "h", 2)]
    return [
        pa.scalar(head, pa.binary()),
        _big_endian(sign, "h", 2),
        pa.scalar(scale.to_bytes(2, "big"), pa.binary()),
        *digits,
    ]


def _text(values: pa.Array, jsonb: bool) -> list[Part]:
    data = pc.fill_null(values, "").cast(pa.binary())
    lengths = pc.add(pc.binary_length(data), 1 if jsonb else 0)
    return [_big_endian(lengths, "i", 4), *([pa.scalar(b"\x01", pa.binary())] if jsonb else []), data]


def _parts(values: pa.Array, jsonb: bool) -> list[Part]:
    """The field of one column as pieces to join: bigint/integer/smallint from int64/int32/int16, date from
    date32, numeric from decimal128, text (varchar) from strings, jsonb from strings when ``jsonb``."""
    kind = values.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _text(values, jsonb)
    if pa.types.is_integer(kind):
        return _integers(values, kind.bit_width // 8)
    if pa.types.is_date32(kind):
        return [
            _length(4),
            _big_endian(pc.subtract(pc.fill_null(values, 0).cast(pa.int32()), _PG_EPOCH_DAYS), "i", 4),
        ]
    if pa.types.is_decimal128(kind):
        return _numeric(values)
    raise TypeError(f"no binary COPY encoding for {kind}")


def _field(values: pa.Array, jsonb: bool) -> list[Part]:
    """The pieces of a column's field; one scalar for a column of one repeated value (a batch id), one array
    for a column with NULLs (their fields are -1 with no data)."""
    if values.null_count == 0 and len(values) > 1 and pc.all(pc.equal(values, values[0])).as_py():
        return [pc.binary_join_element_wise(*_parts(values.slice(0, 1), jsonb), b"")[0]]
    parts = _parts(values, jsonb)
    if not values.null_count:
        return parts
    return [pc.if_else(pc.is_valid(values), pc.binary_join_element_wise(*parts, b""), _NULL_FIELD)]


def binary_rows(batch: pa.RecordBatch | pa.Table, jsonb: Iterable[str] = ()) -> pa.Buffer:
    """The rows of ``batch`` in PostgreSQL's binary COPY format (without signature and trailer); the
    columns named in ``jsonb`` go to jsonb columns."""
    as_json = set(jsonb)
    table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
    pieces = [
        piece for n in table.column_names for piece in _field(table.column(n).combine_chunks(), n in as_json)
    ]
    count = pa.scalar(table.num_columns.to_bytes(2, "big"), pa.binary())
    rows = pc.binary_join_element_wise(count, *pieces, b"")
    if not isinstance(rows, pa.Array):  # every column one repeated value: a scalar, as many rows as the batch
        rows = pa.repeat(rows, table.num_rows)
    offsets = memoryview(rows.buffers()[1]).cast("i")  # int32 offsets of the joined rows
    first, last = offsets[rows.offset], offsets[rows.offset + len(rows)]
    return rows.buffers()[2].slice(first, last - first)


def copy_in_arrow_binary(
    cursor: Any, statement: str, batches: Iterable[pa.Table | pa.RecordBatch], jsonb: Iterable[str] = ()
) -> None:
    """``copy_in_arrow`` in the binary format: ``statement`` is ``COPY … FROM STDIN (FORMAT BINARY)`` with
    the columns in the batches' order, and each Arrow type must be the column's (int32 for integer, int64
    for bigint, decimal128 for numeric…); ``jsonb`` names the jsonb columns."""
    from psycopg.copy import QueuedLibpqWriter

    names = tuple(jsonb)
    with cursor.cursor.copy(statement, writer=QueuedLibpqWriter(cursor.cursor)) as copy:
        copy.write(BINARY_SIGNATURE)
        for batch in batches:
            if batch.num_rows:
                copy.write(binary_rows(batch, names))
        copy.write(BINARY_TRAILER)
