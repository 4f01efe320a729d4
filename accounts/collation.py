"""Vietnamese alphabetical order, the same on PostgreSQL, SQLite and in Python.

Vietnamese letters come in their own order (a ă â b c d đ e ê … o ô ơ … u ư …) and
tone marks only break ties, which byte or code-point order gets wrong ("Tỉnh Điện
Biên" after "Tỉnh Xuân", "Phú Thuận" before "Phú Thạnh"). Both databases use ICU's
Vietnamese collation: PostgreSQL its built-in `vi-x-icu`, SQLite a function of the
same rules (PyICU) registered on every new connection. `vietnamese(field)` is the one
expression lists order by; `sort_key(text)` sorts Python lists the same way.
"""

from functools import cache

from django.db.models import Expression, F
from django.db.models.functions import Collate

POSTGRESQL_COLLATION = "vi-x-icu"
SQLITE_COLLATION = "vietnamese"


@cache
def _collator():
    import icu  # PyICU, from the pyicu-wheels distribution

    # Collator const methods (compare, getSortKey) are thread-safe in ICU.
    return icu.Collator.createInstance(icu.Locale("vi"))


def sort_key(text: str) -> bytes:
    """The ICU Vietnamese sort key of a text: sorted(names, key=sort_key)."""
    return _collator().getSortKey(text)


def compare(left: str, right: str) -> int:
    """-1, 0 or 1 as `left` sorts before, with or after `right` in Vietnamese order."""
    return _collator().compare(left, right)


class Vietnamese(Collate):
    """`expression COLLATE <the Vietnamese collation of this database>`."""

    def __init__(self, expression):
        super().__init__(expression, POSTGRESQL_COLLATION)

    def as_sqlite(self, compiler, connection, **extra_context):
        collation = connection.ops.quote_name(SQLITE_COLLATION)
        return super().as_sql(compiler, connection, collation=collation, **extra_context)


def vietnamese(field: str | Expression) -> Vietnamese:
    """Order or compare `field` in Vietnamese alphabetical order on any supported database."""
    return Vietnamese(F(field) if isinstance(field, str) else field)


def register_sqlite_collation(sender, connection, **kwargs) -> None:
    """connection_created receiver: teach each new SQLite connection the Vietnamese order."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SQLITE_COLLATION, compare)
