"""Input shape of the document pages; the checks on the file itself are the service's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.documents.models import DocumentKind
from minzheng.documents.rules import EXTENSIONS
from minzheng.registry.forms import TablerFormMixin

ACCEPT = ",".join(f".{extension}" for extensions in EXTENSIONS.values() for extension in extensions)


class DocumentUploadForm(TablerFormMixin, forms.Form):
    use_required_attribute = False  # an empty required file input is styled :invalid before any attempt
    kind = forms.ChoiceField(label=_("材料类别"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("文件"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": _("请选择要上传的文件"), "empty": _("文件为空，请重新选择")},
        allow_empty_file=True,  # the service refuses empty files with its own message and code
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()


class DocumentRemoveForm(TablerFormMixin, forms.Form):
    reason = forms.CharField(label=_("移除理由"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.apply_css()
