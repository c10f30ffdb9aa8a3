"""Forms of the departments pages (labels in Chinese)."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from minzheng.common.forms import DateInput, StyledForm
from minzheng.departments.rules import JOINT_ITEMS, Outcome

CORRECTABLE = [(o.value, o.label) for o in (Outcome.CONSISTENT, Outcome.INCONSISTENT, Outcome.NO_DATA)]


class CorrectForm(StyledForm):
    outcome = forms.ChoiceField(label="核对结论", choices=CORRECTABLE)
    reason = forms.CharField(label="更正理由", max_length=500, widget=forms.TextInput)


class ReplyForm(StyledForm):
    feedback = forms.CharField(label="部门反馈", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    feedback_on = forms.DateField(label="反馈日期", widget=DateInput, initial=timezone.localdate)


class AttachForm(StyledForm):
    file = forms.FileField(label="附件（PDF 或图片）")


class ReturnForm(StyledForm):
    file = forms.FileField(label="部门回传文件（CSV 或 Excel）")
    manifest = forms.FileField(label="签名清单（.manifest.json）")


class JointOpenForm(StyledForm):
    application = forms.CharField(label="申请编号", max_length=24)
    items = forms.MultipleChoiceField(
        label="联办事项",
        choices=[(i.value, label) for i, (label, _d) in JOINT_ITEMS.items()],
        widget=forms.CheckboxSelectMultiple,
    )


class JointAnswerForm(StyledForm):
    reply = forms.CharField(label="办理结果", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
