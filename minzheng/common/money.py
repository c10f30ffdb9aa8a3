"""Money is Decimal yuan, handled here only (ADR 0005). Never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def yuan(value: Decimal | int | str) -> Decimal:
    """Parse and quantize to fen with ROUND_HALF_UP (the default unless a rule says otherwise)."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
