"""Input shape of the 社会组织 pages; the rules are the services'. Field names match the ``field`` the
services
put on their errors (``credit_code``, ``division``, ``note``, ``conclusion`` …)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.common.forms import DateInput, StyledForm
from minzheng.organisations import rules
from minzheng.organisations.selectors import (
    ORGANISATION_SORTS,
    REPORT_SORTS,
    OrganisationFilters,
    ReportFilters,
)

_ALL: list[tuple[str, Any]] = [("", _("全部"))]


class OrganisationFilterForm(StyledForm):
    q = forms.CharField(label=_("名称或统一社会信用代码"), max_length=60, required=False)
    organisation_type = forms.ChoiceField(
        label=_("组织类型"), choices=_ALL + rules.OrganisationType.choices, required=False
    )
    authority_level = forms.ChoiceField(
        label=_("登记管理机关"), choices=_ALL + rules.AuthorityLevel.choices, required=False
    )
    status = forms.ChoiceField(
        label=_("登记状态"), choices=_ALL + rules.OrganisationStatus.choices, required=False
    )
    abnormal = forms.BooleanField(label=_("仅活动异常名录"), required=False)
    sort = forms.ChoiceField(
        choices=[(k, k) for key in ORGANISATION_SORTS for k in (key, f"-{key}")], required=False
    )
    page = forms.IntegerField(min_value=1, required=False)

    def to_filters(self) -> OrganisationFilters:
        data = self.cleaned_data
        return OrganisationFilters(
            q=data.get("q") or "",
            organisation_type=data.get("organisation_type") or "",
            authority_level=data.get("authority_level") or "",
            status=data.get("status") or "",
            abnormal=bool(data.get("abnormal")),
            sort=data.get("sort") or "name",
        )


class ReportFilterForm(StyledForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    status = forms.ChoiceField(label=_("状态"), choices=_ALL + rules.ReportStatus.choices, required=False)
    overdue = forms.BooleanField(label=_("仅逾期未报"), required=False)
    q = forms.CharField(label=_("名称或统一社会信用代码"), max_length=60, required=False)
    sort = forms.ChoiceField(
        choices=[(k, k) for key in REPORT_SORTS for k in (key, f"-{key}")], required=False
    )
    page = forms.IntegerField(min_value=1, required=False)

    def to_filters(self, default_year: int) -> ReportFilters:
        data = self.cleaned_data if self.is_bound else {}
        return ReportFilters(
            year=data.get("year") or default_year,
            status=data.get("status") or "",
            overdue=bool(data.get("overdue")),
            q=data.get("q") or "",
            sort=data.get("sort") or "due",
        )


class OrganisationForm(StyledForm):
    organisation_type = forms.ChoiceField(label=_("组织类型"), choices=rules.OrganisationType.choices)
    credit_code = forms.CharField(
        label=_("统一社会信用代码"), max_length=30, help_text=_("18位，第1位为5（民政），第2位与组织类型一致")
    )
    name = forms.CharField(label=_("名称"), max_length=100)
    division = forms.ChoiceField(label=_("登记管理机关"))
    supervisor = forms.TypedChoiceField(label=_("业务主管单位"), coerce=int, required=False, empty_value=None)
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=50)
    legal_rep_id_number = forms.CharField(label=_("法定代表人身份证号码"), max_length=18, required=False)
    legal_rep_phone = forms.CharField(label=_("法定代表人手机号"), max_length=11, required=False)
    domicile = forms.CharField(label=_("住所"), max_length=200)
    business_scope = forms.CharField(label=_("业务范围"), widget=forms.Textarea(attrs={"rows": 3}))
    registered_capital = forms.DecimalField(
        label=_("注册资金（元）"), min_value=0, max_digits=14, decimal_places=2
    )
    established_on = forms.DateField(label=_("成立登记日期"), widget=DateInput())
    document_number = forms.CharField(label=_("登记文号"), max_length=60, required=False)
    attachment = forms.FileField(label=_("登记材料（PDF 或图片）"), required=False)

    def __init__(
        self, *args: Any, divisions: list[tuple[str, str]], supervisors: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = divisions  # type: ignore[attr-defined]
        self.fields["supervisor"].choices = [("", _("无（直接登记）")), *supervisors]  # type: ignore[attr-defined]


class ChangeForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("登记事项"),
        choices=[
            (k.value, k.label)
            for k in (rules.ChangeKind.AMENDED, rules.ChangeKind.DEREGISTERED, rules.ChangeKind.REVOKED)
        ],
    )
    occurred_on = forms.DateField(label=_("日期"), widget=DateInput())
    document_number = forms.CharField(label=_("文号"), max_length=60, required=False)
    summary = forms.CharField(label=_("内容或理由"), max_length=300)
    file = forms.FileField(label=_("材料（PDF 或图片）"), required=False)
    expected_status = forms.CharField(widget=forms.HiddenInput)


class AccountForm(StyledForm):
    password = forms.CharField(
        label=_("初始密码"), widget=forms.PasswordInput(render_value=False), min_length=8
    )
    phone = forms.CharField(label=_("联系手机（接收提醒）"), max_length=11, required=False)


MAX_IMPORT_BYTES = 20 * 1024 * 1024  # 60,000 rows of ten columns are ≈ 5 MB as .xlsx, ≈ 8 MB as CSV


class ImportForm(StyledForm):
    file = forms.FileField(label=_("登记信息文件（.xlsx 或 .csv）"))

    def clean_file(self) -> Any:
        """Refused before anything is stored or queued: not a spreadsheet, or larger than 60,000 rows need."""
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("请上传 .xlsx 或 .csv 文件"))
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("文件不能超过 20 MB（最多 60,000 行），请拆分后分批导入"))
        return upload


class YearForm(StyledForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)


class ReviewForm(StyledForm):
    action = forms.CharField(widget=forms.HiddenInput)
    expected_status = forms.CharField(widget=forms.HiddenInput)
    conclusion = forms.ChoiceField(
        label=_("年检结论"), choices=[("", "—"), *rules.Conclusion.choices], required=False
    )
    note = forms.CharField(
        label=_("意见或理由"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SignInForm(forms.Form):
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=30)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput)


class ReportForm(forms.Form):
    member_count = forms.IntegerField(label=_("会员（举办者）数"), min_value=0, required=False)
    staff_count = forms.IntegerField(label=_("专职工作人员数"), min_value=0, required=False)
    total_income = forms.DecimalField(
        label=_("本年收入合计（元）"), max_digits=14, decimal_places=2, required=False
    )
    total_expense = forms.DecimalField(
        label=_("本年支出合计（元）"), max_digits=14, decimal_places=2, required=False
    )
    net_assets = forms.DecimalField(
        label=_("年末净资产（元）"), max_digits=14, decimal_places=2, required=False
    )
    activities = forms.CharField(
        label=_("开展活动情况"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    party_organisation = forms.BooleanField(label=_("已建立党组织"), required=False)
    party_members = forms.IntegerField(label=_("党员人数"), min_value=0, required=False)
    changes_note = forms.CharField(
        label=_("登记事项、人员和机构变动情况"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=_("审计报告（PDF 或图片）"))


class PublicQueryForm(forms.Form):
    q = forms.CharField(label=_("社会组织名称或统一社会信用代码"), max_length=60, required=False)
