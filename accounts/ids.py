"""Ids from untrusted input (URL paths, query strings, forms), bounded to the database.

Primary keys are 64-bit (BigAutoField). A bigger number, such as
99999999999999999999, raises OverflowError on SQLite when it reaches a query, and
Django only guards some lookups against it (not a page's `page_ptr`, not `pk__in`):
a 500 where an unknown id should simply be unknown. Parse ids here instead.
"""

from django import forms

DB_ID_MAX = 2**63 - 1  # the largest BIGINT, on PostgreSQL and SQLite alike


def parse_id(value) -> int | None:
    """The database id written in `value` (plain ASCII digits, 1 to 2**63-1), else None."""
    text = str(value).strip() if value is not None else ""
    # isdigit() alone accepts "١٢٣" and "²"; an id is written with 0-9 only.
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(DB_ID_MAX)):
        return None
    number = int(text)
    return number if 0 < number <= DB_ID_MAX else None


class IdConverter:
    """`<id:name>` in a URL: like `<int:name>`, but only ids the database can hold,
    so a bigger number is a 404 before any view runs."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)  # the pattern does not match: 404
        return number

    def to_url(self, value) -> str:
        return str(value)


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that refuses ids outside the database's range like any
    unknown id (Django's `pk__in` would send them to the database: OverflowError)."""

    def _check_values(self, value):
        for pk in value:
            if parse_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)
