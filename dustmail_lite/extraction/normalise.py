"""Length-preserving text normalisation: every script's digits and full-width forms to ASCII.

Positions must not move (candidates are reported with their surrounding words), so this is
a one-to-one `str.translate`, never NFKC.
"""

from __future__ import annotations

import unicodedata

# The zero of each run of ten decimal digits worth reading in a mail: Arabic-Indic, Extended
# Arabic-Indic (Persian, Urdu), Devanagari, Bengali, Gurmukhi, Gujarati, Tamil, Telugu, Kannada,
# Malayalam, Thai, Lao, Tibetan, Myanmar, Khmer, Mongolian, full-width.
# fmt: off
_DIGIT_ZEROS = (
    0x0660, 0x06F0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x17E0, 0x1810, 0xFF10,
)
# fmt: on


def _table() -> dict[int, int]:
    table: dict[int, int] = {}
    for zero in _DIGIT_ZEROS:
        for offset in range(10):
            char = chr(zero + offset)
            assert unicodedata.digit(char) == offset
            table[zero + offset] = ord("0") + offset
    for offset in range(26):  # full-width Latin letters
        table[0xFF21 + offset] = ord("A") + offset
        table[0xFF41 + offset] = ord("a") + offset
    table[0x3000] = ord(" ")  # ideographic space
    table[0x00A0] = ord(" ")  # no-break space
    table[0x202F] = ord(" ")  # narrow no-break space (French thousands)
    for dash in (0x2010, 0x2011, 0x2012, 0x2013, 0x2212, 0xFF0D):
        table[dash] = ord("-")
    return table


_TABLE = _table()


def normalise(text: str) -> str:
    """Digits of any listed script as ASCII digits, full-width letters as ASCII; same length."""
    return text.translate(_TABLE)
