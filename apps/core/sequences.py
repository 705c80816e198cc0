"""Primary keys for rows written in bulk (apps.core.bulk.BulkWriter) beside live traffic."""

from django.db import connection
from django.db.models import Max, Model


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """`count` fresh primary keys of `model`'s table.

    PostgreSQL draws them from the table's sequence: no lock, safe beside concurrent inserts,
    and the rows can be written by COPY without reading keys back. SQLite serialises writers,
    so the keys after the current maximum are free for the transaction that writes them.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
    first = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
    return list(range(first, first + count))
