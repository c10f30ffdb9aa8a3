"""ClamdScanner against a tiny fake clamd (an outside system): the INSTREAM framing over TCP and a unix
socket, chunking of large files, a virus, a daemon error and an unreachable daemon."""

from __future__ import annotations

import socket
import struct
import threading
from pathlib import Path

import pytest

from minzheng.documents.scanning import EICAR, ClamdScanner, ScanResult, ScanStatus


class FakeClamd:
    """Answers one connection per call like clamd: reads ``zINSTREAM\\0`` and the chunks, replies."""

    def __init__(self, server: socket.socket, reply: bytes | None = None) -> None:
        self.server = server
        self.reply = reply
        self.received: list[bytes] = []
        self.chunk_sizes: list[int] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read(self, conn: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            part = conn.recv(size - len(data))
            if not part:
                raise ConnectionError("closed")
            data += part
        return data

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            assert self._read(conn, 10) == b"zINSTREAM\0"
            body = b""
            while True:
                (size,) = struct.unpack("!L", self._read(conn, 4))
                if size == 0:
                    break
                self.chunk_sizes.append(size)
                body += self._read(conn, size)
            self.received.append(body)
            reply = self.reply or (b"stream: Eicar-Signature FOUND\0" if EICAR in body else b"stream: OK\0")
            conn.sendall(reply)


@pytest.fixture
def tcp_server():
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)
    yield server, f"127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_clean_file_over_tcp_in_chunks(tcp_server):
    server, address = tcp_server
    fake = FakeClamd(server)
    data = bytes(range(256)) * 800  # 204,800 bytes: four chunks
    result = ClamdScanner(address=address, timeout=5).scan(data)
    fake.thread.join(5)
    assert result == ScanResult(ScanStatus.CLEAN)
    assert fake.received == [data]
    assert fake.chunk_sizes == [65536, 65536, 65536, 8192]


def test_virus_over_tcp_with_scheme(tcp_server):
    server, address = tcp_server
    FakeClamd(server)
    result = ClamdScanner(address=f"tcp://{address}", timeout=5).scan(b"\xff\xd8\xff" + EICAR)
    assert result == ScanResult(ScanStatus.INFECTED, "Eicar-Signature")


def test_daemon_error(tcp_server):
    server, address = tcp_server
    FakeClamd(server, reply=b"INSTREAM size limit exceeded. ERROR\0")
    result = ClamdScanner(address=address, timeout=5).scan(b"x" * 10)
    assert result == ScanResult(ScanStatus.ERROR, "INSTREAM size limit exceeded. ERROR")


def test_unix_socket(tmp_path: Path):
    path = tmp_path / "clamd.ctl"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    server.settimeout(10)
    try:
        fake = FakeClamd(server)
        assert ClamdScanner(address=f"unix:{path}", timeout=5).scan(b"hello") == ScanResult(ScanStatus.CLEAN)
        fake.thread.join(5)
        assert fake.received == [b"hello"]
    finally:
        server.close()


def test_unreachable_daemon_is_an_error_not_an_exception():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed once the block ends: nothing listens there
    result = ClamdScanner(address=f"127.0.0.1:{port}", timeout=2).scan(b"data")
    assert result.status == ScanStatus.ERROR
    assert result.signature.startswith("clamd 不可用：")


def test_settings_are_the_defaults(settings):
    settings.DOCUMENT_CLAMD_ADDRESS = "unix:/run/clamav/clamd.ctl"
    settings.DOCUMENT_SCAN_TIMEOUT = 7
    scanner = ClamdScanner()
    assert (scanner.address, scanner.timeout, scanner.name) == ("unix:/run/clamav/clamd.ctl", 7.0, "clamd")
