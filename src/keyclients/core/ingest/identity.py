"""Client identity: INN checksums and name normalization (DESIGN §3 "Client identity")."""

from __future__ import annotations

import re
import unicodedata

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)

_QUOTES = str.maketrans({c: '"' for c in "«»“”„‟\"'‘’‚‛`´"})
_SPACES = re.compile(r"\s+")


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_is_valid(inn: str) -> bool:
    """True for a 10-digit (organisation) or 12-digit (individual) INN whose checksum holds.

    The algorithm is the Federal Tax Service's: weighted sums mod 11 mod 10.
    """
    if not inn.isascii() or not inn.isdigit():
        return False
    if len(inn) == 10:
        return _check_digit(inn[:9], _INN10_WEIGHTS) == int(inn[9])
    if len(inn) == 12:
        return _check_digit(inn[:10], _INN12_WEIGHTS_11) == int(inn[10]) and _check_digit(
            inn[:11], _INN12_WEIGHTS_12
        ) == int(inn[11])
    return False


def inn_with_checksum(prefix: str) -> str:
    """Complete a 9- or 10-digit prefix into a valid 10- or 12-digit INN (demo data, tests)."""
    if len(prefix) == 9:
        return prefix + str(_check_digit(prefix, _INN10_WEIGHTS))
    if len(prefix) == 10:
        eleven = prefix + str(_check_digit(prefix, _INN12_WEIGHTS_11))
        return eleven + str(_check_digit(eleven, _INN12_WEIGHTS_12))
    raise ValueError("an INN prefix has 9 (organisation) or 10 (individual) digits")


def clean_inn(raw: str) -> str:
    """The digits of an INN cell: Excel may turn it into 7891417778.0, people add spaces."""
    text = raw.strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return re.sub(r"[\s\u00a0]", "", text)


def normalize_name(name: str) -> str:
    """The matching key of a client name: NFKC, quotes unified, whitespace collapsed, casefolded.

    `ООО «Ромашка»` and `ооо "Ромашка" ` give the same key.
    """
    text = unicodedata.normalize("NFKC", name).translate(_QUOTES)
    return _SPACES.sub(" ", text).strip().casefold()
