"""Reading PostgreSQL's ``COPY … TO STDOUT`` fast, into memory or in slices, and its CSV into Arrow: the
snapshots of the benefits engine (``benefits.columnar``) and of the monitoring engine read millions of rows
this way (issue 21, bench/speed-whatif.md)."""

from __future__ import annotations

import io
import select
from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Any

import pyarrow as pa
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


def binary_encoder(schema: pa.Schema, jsonb: Iterable[str] = ()) -> Any:
    """pgpq's encoder of Arrow record batches of ``schema`` into PostgreSQL's binary COPY format (ADR 0043):
    int64 → bigint, int32 → integer, date32 → date, decimal128 → numeric, strings → text (varchar), and the
    string columns named in ``jsonb`` → jsonb."""
    from pgpq import ArrowToPostgresBinaryEncoder, encoders
    from pgpq import schema as pg

    as_json = set(jsonb)
    builders = {
        field.name: encoders.StringEncoderBuilder.new_with_output(field, pg.Jsonb())
        if field.name in as_json
        else ArrowToPostgresBinaryEncoder.infer_encoder(field)
        for field in schema
    }
    return ArrowToPostgresBinaryEncoder.new_with_encoders(schema, builders)


def copy_in_arrow_binary(
    cursor: Any, statement: str, batches: Iterable[pa.Table | pa.RecordBatch], jsonb: Iterable[str] = ()
) -> None:
    """``copy_in_arrow`` in the binary format: ``statement`` is ``COPY … FROM STDIN (FORMAT BINARY)`` with
    the columns in the batches' order, and each Arrow type must be the column's (int32 for integer, int64
    for bigint, decimal128 for numeric…); ``jsonb`` names the jsonb columns. The rows are encoded by pgpq
    (Rust, column at a time: 0.1 CPU-s per 600,000 feed records against 0.25 for Arrow's CSV writer) and
    PostgreSQL parses no text (10–15 % of a feed import's ``COPY``, bench/speed-monitoring.md session 13)."""
    from psycopg.copy import QueuedLibpqWriter

    names = tuple(jsonb)
    encoder = None
    with cursor.cursor.copy(statement, writer=QueuedLibpqWriter(cursor.cursor)) as copy:
        for batch in batches:
            if encoder is None:
                encoder = binary_encoder(batch.schema, names)
                copy.write(encoder.write_header())
            for piece in batch.to_batches() if isinstance(batch, pa.Table) else (batch,):
                copy.write(encoder.write_batch(piece))
        if encoder is not None:  # no batch: psycopg sends the signature and the trailer itself
            copy.write(encoder.finish())
