# ruff: noqa: S608 - SQL is built only from model metadata (quoted names), never from input.
"""Writing many plain rows fast: COPY on PostgreSQL, bulk_create elsewhere."""

import datetime
from itertools import batched

from django.db import connection


class Table:
    """Fast insertion of plain rows: COPY on PostgreSQL, bulk_create elsewhere.

    `fields` name the values each row gives, in order; every other column gets its
    field default (computed once), the primary key its sequence unless given.
    """

    def __init__(self, model, fields: list[str]):
        opts = model._meta
        self.model = model
        self.fields = [opts.get_field(name) for name in fields]
        given = {field.attname for field in self.fields}
        self.rest = [
            field
            for field in opts.concrete_fields
            if field.attname not in given and not field.primary_key
        ]
        self.tail = tuple(
            field.get_db_prep_save(field.get_default(), connection) for field in self.rest
        )

    def write(self, rows, *, batch_size: int = 5000) -> int:
        count = 0
        if connection.vendor == "postgresql":
            qn = connection.ops.quote_name
            columns = ", ".join(qn(field.column) for field in self.fields + self.rest)
            sql = f"COPY {qn(self.model._meta.db_table)} ({columns}) FROM STDIN"
            tail = self.tail
            with connection.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row + tail)
                    count += 1
            return count
        attnames = [field.attname for field in self.fields]
        for chunk in batched(rows, batch_size):
            self.model.objects.bulk_create(
                [self.model(**dict(zip(attnames, row, strict=True))) for row in chunk]
            )
            count += len(chunk)
        return count


def reserve_ids(model, count: int) -> int:
    """The first of `count` consecutive free primary keys, taken from the sequence.

    On PostgreSQL the table is locked for the rest of the transaction so no other
    insert can take an id in the block before the sequence is moved past it.
    """
    table = model._meta.db_table
    column = model._meta.pk.column
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"SELECT MAX({qn(column)}) FROM {qn(table)}")
            return (cursor.fetchone()[0] or 0) + 1
        cursor.execute(f"LOCK TABLE {qn(table)} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        (sequence,) = cursor.fetchone()
        cursor.execute(
            f"SELECT GREATEST(nextval(%s), COALESCE(MAX({qn(column)}), 0) + 1) FROM {qn(table)}",
            [sequence],
        )
        (start,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s)", [sequence, start + max(count, 1) - 1])
    return start


def as_datetime(ts: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(round(ts, 3), datetime.UTC)
