"""Masking of personal data for screens, exports and logs (ADR 0008)."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """``152502199001010012`` → ``1525**********0012``: region kept, birth date hidden."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_bank_account(value: str) -> str:
    """Only the last four digits stay visible."""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_name(value: str) -> str:
    """``张三丰`` → ``张**``: used in public and low-privilege exports."""
    return value[:1] + "*" * (len(value) - 1) if value else value
