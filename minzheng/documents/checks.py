"""Deployment check of the virus scan (issue 16): ``check --deploy`` refuses a production installation whose
uploads would be stored unscanned, unless the operator says so explicitly (``DOCUMENT_SCAN_ALLOW_NONE``)."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.utils.module_loading import import_string

from minzheng.documents.scanning import ClamdScanner

SCANNER_HINT = (
    "Install clamav-daemon and set MINZHENG_CLAMD=unix:/run/clamav/clamd.ctl (docs/deployment.md §3b); "
    "only if another gateway scans every upload, set DOCUMENT_SCAN_ALLOW_NONE=true."
)


@register(Tags.security, deploy=True)
def virus_scanner(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """The no-op scanner (and the EICAR test fake) store every upload as 未扫描 / "clean" without a scan."""
    if settings.DOCUMENT_SCAN_ALLOW_NONE:
        return []
    try:
        scanner_class = import_string(settings.DOCUMENT_SCANNER)
    except ImportError:
        return [Error(f"DOCUMENT_SCANNER {settings.DOCUMENT_SCANNER!r} cannot be imported.",
                      hint=SCANNER_HINT, id="documents.E002")]  # fmt: skip
    if not (isinstance(scanner_class, type) and issubclass(scanner_class, ClamdScanner)):
        return [Error(f"Uploads are not scanned for viruses (DOCUMENT_SCANNER = {scanner_class.__name__}).",
                      hint=SCANNER_HINT, id="documents.E001")]  # fmt: skip
    return []
