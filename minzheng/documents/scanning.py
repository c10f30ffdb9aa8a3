"""The virus-scan hook for uploaded documents: one interface, a real ClamAV adapter and two stand-ins.

``DOCUMENT_SCANNER`` (a dotted class path) picks the implementation; it is built with no arguments and
reads its own settings:

- ``NullScanner`` (development default): scans nothing, the document is stored as 未扫描 (not_scanned);
- ``ClamdScanner``: ClamAV's daemon over its ``INSTREAM`` command, on TCP (``DOCUMENT_CLAMD_ADDRESS`` =
  ``host:port``) or a unix socket (``unix:/run/clamav/clamd.ctl``) — see docs/documents.md;
- ``EicarScanner``: flags the EICAR anti-virus test string anywhere in the file (tests and drills).

A scanner never raises for an unreachable or failing daemon: it returns ``ScanStatus.ERROR`` and the
upload service decides (refuse, unless ``DOCUMENT_SCAN_FAIL_OPEN``).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string

CHUNK = 64 * 1024
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class ScanStatus(models.TextChoices):
    CLEAN = "clean", "未发现病毒"
    INFECTED = "infected", "发现病毒"
    NOT_SCANNED = "not_scanned", "未扫描"
    ERROR = "error", "扫描失败"


@dataclass(frozen=True)
class ScanResult:
    status: ScanStatus
    signature: str = ""  # the virus name (infected) or the error text (error)


class Scanner(Protocol):
    name: str

    def scan(self, data: bytes) -> ScanResult: ...


class NullScanner:
    name = "none"

    def scan(self, data: bytes) -> ScanResult:
        return ScanResult(ScanStatus.NOT_SCANNED)


class EicarScanner:
    """A fake anti-virus for tests: the EICAR test string is a virus, everything else is clean."""

    name = "eicar"

    def scan(self, data: bytes) -> ScanResult:
        if EICAR in data:
            return ScanResult(ScanStatus.INFECTED, "Eicar-Test-Signature")
        return ScanResult(ScanStatus.CLEAN)


class ClamdScanner:
    """ClamAV's ``clamd`` over ``zINSTREAM``: 4-byte big-endian length-prefixed chunks, a zero-length chunk
    to finish, and one reply ``stream: OK`` / ``stream: <name> FOUND`` / ``<text> ERROR``."""

    name = "clamd"

    def __init__(self, address: str | None = None, timeout: float | None = None) -> None:
        self.address = address if address is not None else settings.DOCUMENT_CLAMD_ADDRESS
        self.timeout = timeout if timeout is not None else float(settings.DOCUMENT_SCAN_TIMEOUT)

    def _connect(self) -> socket.socket:
        if self.address.startswith("unix:"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            sock.connect(self.address.removeprefix("unix:"))
            return sock
        host, _, port = self.address.removeprefix("tcp://").rpartition(":")
        return socket.create_connection((host or "127.0.0.1", int(port)), timeout=self.timeout)

    def scan(self, data: bytes) -> ScanResult:
        try:
            with self._connect() as sock:
                sock.sendall(b"zINSTREAM\0")
                for start in range(0, len(data), CHUNK):
                    chunk = data[start : start + CHUNK]
                    sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                sock.sendall(struct.pack("!L", 0))
                reply = _read_reply(sock)
        except (OSError, ValueError) as error:
            return ScanResult(ScanStatus.ERROR, f"clamd 不可用：{error}")
        return reply_parse(reply)


def _read_reply(sock: socket.socket) -> str:
    received = b""
    while not received.endswith(b"\0"):
        part = sock.recv(4096)
        if not part:
            break
        received += part
    return received.rstrip(b"\0").decode("utf-8", "replace").strip()


def reply_parse(reply: str) -> ScanResult:
    """``stream: OK`` → clean; ``stream: Eicar-Signature FOUND`` → infected; anything else → error."""
    body = reply.split(":", 1)[1].strip() if reply.startswith("stream:") else reply
    if body == "OK":
        return ScanResult(ScanStatus.CLEAN)
    if body.endswith(" FOUND"):
        return ScanResult(ScanStatus.INFECTED, body.removesuffix(" FOUND").strip())
    return ScanResult(ScanStatus.ERROR, reply or "clamd 无应答")


def scanner_get() -> Scanner:
    scanner_class = import_string(settings.DOCUMENT_SCANNER)
    scanner: Scanner = scanner_class()
    return scanner
