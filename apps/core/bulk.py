"""Writing many rows fast, with primary keys the caller assigns.

Used by data generators (seed_demo) that must reach millions of rows in minutes: PostgreSQL
gets COPY from an in-memory buffer, other databases a plain executemany. Rows skip the ORM
(no save(), no signals, no auto_now), so generators set every column themselves.
"""

import csv
import io
import json
import queue
import threading
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

from django.db import connection
from django.db.models import Field, Max, Model

# A row's values in column order: plain Python values that the database driver adapts, so
# their types are the driver's business (see BulkWriter).
Row = tuple[Any, ...]


class JsonText(str):
    """A value for a JSON column that is already serialised (e.g. reused across many rows)."""


def _json(value: object) -> str:
    return value if isinstance(value, JsonText) else json.dumps(value, ensure_ascii=False)


class CopyPipe:
    """Runs the COPY statements of BulkWriters from one worker thread, on the current
    connection and inside its transaction, so Python builds the next batch while PostgreSQL
    ingests this one (psycopg2 releases the GIL while the server works).

    Use as a context manager. While it is open the caller must not touch the connection
    itself: call `drain()` first, which waits for every submitted COPY and re-raises the
    first error.
    """

    _thread: threading.Thread  # started by __enter__

    def __init__(self, depth: int = 2) -> None:
        # A COPY to run, or None: the pipe is closing.
        self._queue: queue.Queue[tuple[str, io.StringIO] | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None

    def __enter__(self) -> "CopyPipe":
        connection.ensure_connection()
        raw = connection.connection
        self._thread = threading.Thread(target=self._work, args=(raw,), daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._queue.put(None)
        self._thread.join()
        if exc_type is None:
            self._raise()

    def submit(self, sql: str, buffer: io.StringIO) -> None:
        self._raise()
        self._queue.put((sql, buffer))

    def drain(self) -> None:
        self._queue.join()
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    # `raw` is the driver's own connection (psycopg2's), which ships no types.
    def _work(self, raw: Any) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._error is None:
                    with raw.cursor() as cursor:
                        cursor.copy_expert(*item)
            except BaseException as error:  # handed to the caller's thread
                self._error = error
            finally:
                self._queue.task_done()


class BulkWriter:
    """Buffers rows of one model and writes them in batches.

    `fields` are model field names (the primary key included); rows are tuples in that
    order. Call `flush()` once more at the end. Values are plain Python: str, int, bool,
    None, datetime, decimal strings; JSON columns take Python data or JsonText. With a
    `pipe`, COPY runs in its worker thread (PostgreSQL only; elsewhere it is ignored).
    """

    def __init__(
        self,
        model: type[Model],
        fields: list[str],
        *,
        batch_size: int = 20_000,
        pipe: CopyPipe | None = None,
    ) -> None:
        self.model = model
        self.pipe = pipe
        self.table = model._meta.db_table
        model_fields = [_column_field(model, name) for name in fields]
        self.columns = [f.column for f in model_fields]
        self.batch_size = batch_size
        self.rows: list[Row] = []
        self.written = 0
        self._json_positions = [
            i for i, f in enumerate(model_fields) if f.get_internal_type() == "JSONField"
        ]
        # In COPY's CSV format an unquoted empty value is NULL; text columns that cannot be
        # NULL read it as "" instead.
        self._not_null_text = [
            f.column
            for f in model_fields
            if not f.null and f.get_internal_type() in {"CharField", "TextField", "SlugField"}
        ]

    def add(self, row: Row) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if connection.vendor == "postgresql":
            self._copy()
        else:
            self._insert()
        self.written += len(self.rows)
        self.rows = []

    def _with_json(self, rows: list[Row]) -> Sequence[Sequence[Any]]:
        if not self._json_positions:
            return rows
        converted: list[list[Any]] = []
        for row in rows:
            values = list(row)
            for i in self._json_positions:
                values[i] = _json(values[i])
            converted.append(values)
        return converted

    def _copy(self) -> None:
        buffer = io.StringIO()
        # The C csv writer is what makes millions of rows cheap to serialise.
        csv.writer(buffer, lineterminator="\n").writerows(self._with_json(self.rows))
        buffer.seek(0)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        options = "FORMAT csv"
        if self._not_null_text:
            options += f", FORCE_NOT_NULL ({', '.join(quote(c) for c in self._not_null_text)})"
        sql = f"COPY {quote(self.table)} ({columns}) FROM STDIN WITH ({options})"
        if self.pipe is not None:
            self.pipe.submit(sql, buffer)
            return
        with connection.cursor() as cursor:
            cursor.copy_expert(sql, buffer)

    def _insert(self) -> None:
        ops = connection.ops

        def adapt(values: Sequence[Any]) -> list[Any]:
            return [
                ops.adapt_datetimefield_value(v) if isinstance(v, datetime) else v for v in values
            ]

        columns = ", ".join(ops.quote_name(c) for c in self.columns)
        placeholders = ", ".join(["%s"] * len(self.columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {ops.quote_name(self.table)} ({columns}) VALUES ({placeholders})",
                [adapt(row) for row in self._with_json(self.rows)],
            )


def _column_field(model: type[Model], name: str) -> Field[Any, Any]:
    """The field `name` (or attname) of `model`, which must be a column of its table."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


def next_id(model: type[Model]) -> int:
    """The first free primary key of `model`'s table (callers hold the table lock)."""
    # The base manager: every row of the table counts, whatever a default manager leaves out.
    top: int | None = model._base_manager.aggregate(top=Max("pk"))["top"]
    return (top or 0) + 1


def lock_tables(models: list[type[Model]]) -> None:
    """Keep other writers out while primary keys are assigned by hand (PostgreSQL; SQLite
    already serialises writers). Must run inside a transaction."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


def reset_sequences(models: list[type[Model]]) -> None:
    """Move PostgreSQL's id sequences past hand-assigned keys (SQLite follows by itself)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            pk = model._meta.pk.column
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                f"COALESCE((SELECT MAX({connection.ops.quote_name(pk)}) "
                f"FROM {connection.ops.quote_name(table)}), 1), "
                f"(SELECT MAX({connection.ops.quote_name(pk)}) "
                f"FROM {connection.ops.quote_name(table)}) IS NOT NULL)",
                [table, pk],
            )


def analyze(models: list[type[Model]]) -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load, so the first queries
    against the new rows do not plan as if the tables were empty."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def update_from_values(model: type[Model], fields: tuple[str, ...], items: Sequence[Row]) -> None:
    """Set `fields` (column names) of many rows with one UPDATE … FROM (VALUES …) per batch
    of 1000; each item is (pk, *values in `fields` order)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(c) for c in ("id", *fields))
    if connection.vendor == "postgresql":
        # VALUES columns carry no type of their own; cast each to its column's.
        assignments = ", ".join(
            f"{quote(f)} = CAST(v.{quote(f)} AS {_column_field(model, f).db_type(connection)})"
            for f in fields
        )
    else:
        assignments = ", ".join(f"{quote(f)} = v.{quote(f)}" for f in fields)
    placeholders = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(items), 1000):
            chunk = items[start : start + 1000]
            cursor.execute(
                f"WITH v({columns}) AS (VALUES {', '.join([placeholders] * len(chunk))}) "
                f"UPDATE {table} SET {assignments} FROM v WHERE {table}.id = v.id",
                [adapt(x) if isinstance(x, datetime) else x for item in chunk for x in item],
            )
