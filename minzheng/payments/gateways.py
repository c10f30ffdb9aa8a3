"""Delivery of bank files behind one interface (house rules: outside systems sit behind an interface with a
fake for tests and a real adapter).

* ``FileDropGateway``: the usual set-up in a county bureau — the file is written to a directory that the
  bank's client software (or an SFTP job) picks up, and the bank's result file is dropped back into
  ``<directory>/results/<file name>``. Configure ``PAYMENTS_BANK_DROP_DIR``.
* ``FakeBankGateway``: in memory; answers with a result file where the references in ``failures`` fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from django.conf import settings

from minzheng.payments.bankfiles import BankBatch, BankTemplate, bank_result_render


@dataclass(frozen=True)
class BankFile:
    name: str
    template: BankTemplate
    content: bytes
    batch: BankBatch


class BankGateway(Protocol):
    def submit(self, bank_file: BankFile) -> str:
        """Hand the file over; returns the reference to fetch its result with."""
        ...

    def fetch_result(self, reference: str) -> bytes | None:
        """The bank's result file, or None while the bank has not answered."""
        ...


class FileDropGateway:
    def __init__(self, directory: str | Path | None = None) -> None:
        configured = directory or getattr(settings, "PAYMENTS_BANK_DROP_DIR", "")
        if not configured:
            raise ValueError("PAYMENTS_BANK_DROP_DIR is not configured")
        self.directory = Path(configured)

    def submit(self, bank_file: BankFile) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / bank_file.name
        partial = target.with_suffix(target.suffix + ".part")  # the bank's job never sees a half file
        partial.write_bytes(bank_file.content)
        partial.replace(target)
        return bank_file.name

    def fetch_result(self, reference: str) -> bytes | None:
        result = self.directory / "results" / reference
        return result.read_bytes() if result.exists() else None


@dataclass
class FakeBankGateway:
    failures: dict[str, str] = field(default_factory=dict)  # reference → the bank's reason
    submitted: dict[str, BankFile] = field(default_factory=dict)

    def submit(self, bank_file: BankFile) -> str:
        self.submitted[bank_file.name] = bank_file
        return bank_file.name

    def fetch_result(self, reference: str) -> bytes | None:
        bank_file = self.submitted.get(reference)
        if bank_file is None:
            return None
        return bank_result_render(bank_file.template, bank_file.batch, self.failures)
