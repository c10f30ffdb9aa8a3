"""The pure checks: type from the bytes, size limits and their wording, names, clamd replies."""

from __future__ import annotations

import hashlib
import re

import pytest

from minzheng.documents.errors import DocumentRefused
from minzheng.documents.models import DocumentKind
from minzheng.documents.rules import FileType, extension_of, file_type_detect, size_label, upload_check
from minzheng.documents.scanning import ScanResult, ScanStatus, reply_parse

from .conftest import EXE, jpeg_bytes, pdf_bytes, png_bytes

HEIC_HEAD = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"
WEBP_HEAD = b"RIFF\x24\x00\x00\x00WEBPVP8 "


@pytest.mark.parametrize(("head", "expected"), [
    (jpeg_bytes()[:16], FileType.JPEG), (png_bytes()[:16], FileType.PNG), (WEBP_HEAD, FileType.WEBP),
    (pdf_bytes()[:16], FileType.PDF), (HEIC_HEAD, FileType.HEIC), (b"\x00\x00\x00\x18ftypmp42", None),
    (EXE[:16], None), (b"GIF89a", None), (b"<svg xmlns=", None), (b"PK\x03\x04", None), (b"", None),
])  # fmt: skip
def test_file_type_detect(head, expected):
    assert file_type_detect(head) == expected


@pytest.mark.parametrize(
    ("limit", "label"), [(10 * 1024 * 1024, "10 MB"), (2048, "2 KB"), (1000, "1000 字节")]
)
def test_size_label(limit, label):
    assert size_label(limit) == label


@pytest.mark.parametrize(("name", "extension"), [
    ("a.JPG", "jpg"), ("dir/b.tar.pdf", "pdf"), ("noext", ""), (".hidden", ""), ("c:\\x\\d.PnG", "png"),
])  # fmt: skip
def test_extension_of(name, extension):
    assert extension_of(name) == extension


def test_upload_check_accepts_a_file_without_extension_by_its_content():
    content = png_bytes()
    checked = upload_check("扫描件", content, 1024 * 1024)
    assert (checked.file_type, checked.extension, checked.size) == (FileType.PNG, "png", len(content))
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


def test_upload_check_accepts_jpeg_extension_variants():
    assert upload_check("a.jpeg", jpeg_bytes(), 10**6).extension == "jpg"
    assert upload_check("b.HEIF", HEIC_HEAD + b"\x00" * 10, 10**6).file_type == FileType.HEIC


def test_upload_check_refuses_at_one_byte_over():
    assert upload_check("a.png", png_bytes(), len(png_bytes())).size == len(png_bytes())
    with pytest.raises(DocumentRefused) as refused:
        upload_check("a.png", png_bytes(), len(png_bytes()) - 1)
    assert refused.value.code == "document_too_large"


@pytest.mark.parametrize(("reply", "result"), [
    ("stream: OK", ScanResult(ScanStatus.CLEAN)),
    ("stream: Win.Test.EICAR_HDB-1 FOUND", ScanResult(ScanStatus.INFECTED, "Win.Test.EICAR_HDB-1")),
    ("INSTREAM size limit exceeded. ERROR", ScanResult(ScanStatus.ERROR, "INSTREAM size limit exceeded. ERROR")),
    ("", ScanResult(ScanStatus.ERROR, "clamd 无应答")),
])  # fmt: skip
def test_clamd_reply_parse(reply, result):
    assert reply_parse(reply) == result


@pytest.mark.parametrize("choice_class", [DocumentKind, ScanStatus], ids=lambda c: c.__name__)
def test_choices_have_chinese_labels_and_english_codes(choice_class):
    for value, label in choice_class.choices:
        assert re.search(r"[\u4e00-\u9fff]", str(label)), value
        assert re.fullmatch(r"[a-z_]+", value), value
