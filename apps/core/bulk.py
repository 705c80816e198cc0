"""Writing many rows fast, with primary keys the caller assigns.

Used by data generators (seed_demo) that must reach millions of rows in minutes: PostgreSQL
gets COPY from an in-memory buffer, other databases a plain executemany. Rows skip the ORM
(no save(), no signals, no auto_now), so generators set every column themselves.
"""

import io
import json
from datetime import datetime

from django.db import connection
from django.db.models import Max, Model

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class BulkWriter:
    """Buffers rows of one model and writes them in batches.

    `fields` are model field names (the primary key included); rows are tuples in that
    order. Call `flush()` once more at the end.
    """

    def __init__(self, model: type[Model], fields: list[str], *, batch_size: int = 20_000):
        self.model = model
        self.table = model._meta.db_table
        self.columns = [model._meta.get_field(name).column for name in fields]
        self.batch_size = batch_size
        self.rows: list[tuple] = []
        self.written = 0
        self._json_positions = [
            i
            for i, name in enumerate(fields)
            if model._meta.get_field(name).get_internal_type() == "JSONField"
        ]

    def add(self, row: tuple) -> None:
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

    def _copy(self) -> None:
        buffer = io.StringIO()
        buffer.writelines("\t".join(map(_copy_text, row)) + "\n" for row in self.rows)
        buffer.seek(0)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {connection.ops.quote_name(self.table)} ({columns}) FROM STDIN", buffer
            )

    def _insert(self) -> None:
        ops = connection.ops
        json_positions = self._json_positions

        def adapt(row):
            values = list(row)
            for i, value in enumerate(values):
                if isinstance(value, datetime):
                    values[i] = ops.adapt_datetimefield_value(value)
                elif i in json_positions:
                    values[i] = json.dumps(value, ensure_ascii=False)
            return values

        columns = ", ".join(ops.quote_name(c) for c in self.columns)
        placeholders = ", ".join(["%s"] * len(self.columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {ops.quote_name(self.table)} ({columns}) VALUES ({placeholders})",
                [adapt(row) for row in self.rows],
            )


def next_id(model: type[Model]) -> int:
    """The first free primary key of `model`'s table (callers hold the table lock)."""
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


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
