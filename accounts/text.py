"""Vietnamese text helpers: NFC on input, diacritic folding for search."""

import unicodedata


def normalize_text(value: str) -> str:
    """NFC-normalise and collapse runs of white space ("hoà" and "hòa" stay different)."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def fold(value: str) -> str:
    """Lower case without diacritics, đ -> d: "Phường Sài Gòn" -> "phuong sai gon"."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
