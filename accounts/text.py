"""Vietnamese text helpers: NFC on input, diacritic folding for search, clean names."""

import unicodedata


def normalize_text(value: str) -> str:
    """NFC-normalise and collapse runs of white space ("hoà" and "hòa" stay different)."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def _is_invisible(ch: str) -> bool:
    # Cf: bidirectional overrides and isolates (U+202E …), zero-width spaces and joiners,
    # the BOM, soft hyphens; Cc: control characters that are not white space.
    category = unicodedata.category(ch)
    return category == "Cf" or (category == "Cc" and not ch.isspace())


def normalize_name(value: str) -> str:
    """A person's name as plain text: invisible format characters removed, NFC, single spaces.

    Bidirectional overrides would let "Nguyễn Văn A" print backwards on a certificate or a
    cadre's list, and zero-width characters make two equal-looking names differ.
    """
    visible = "".join(ch for ch in value if not _is_invisible(ch))
    return normalize_text(visible)


def has_letter(value: str) -> bool:
    """Whether the text holds at least one letter (of any script)."""
    return any(ch.isalpha() for ch in value)


def fold(value: str) -> str:
    """Lower case without diacritics, đ -> d: "Phường Sài Gòn" -> "phuong sai gon"."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def given_name_of(full_name: str) -> str:
    """The given name, last in a Vietnamese full name: "Nguyễn Thị Hồng Nhung" -> "Nhung"."""
    words = full_name.split()
    return words[-1][:50] if words else ""
