"""Online applications through the portal (救助通, issue 7 items 4–5): drafts saved between visits, the
applicant's own uploads, submission into the applications workflow as the online channel, and the progress
of the household's applications.

Everything is scoped by the signed-in ``PortalAccount``: a draft is the account's own, an application is
one of the bound person's household; anything else is answered exactly like a record that does not exist
(``NotYours``), so an application number or id reveals nothing. Services run in one transaction and raise
``DomainError`` subclasses with Chinese messages; nothing is written when one is raised.

A draft's ``data`` holds one entry per section (``Section``); ID numbers typed for a household not yet in
the registry are kept encrypted with their mask (ADR 0008), never in clear.

The package is split by sub-domain: ``programmes`` (what is offered online, the pledge, the errors),
``household`` (whom an application is for), ``drafts`` (drafts and their uploads), ``sections`` (each
section checked and saved), ``submission`` and ``progress``; callers use ``portal.apply.<name>``.
"""

from __future__ import annotations

from minzheng.portal.apply.drafts import (
    DraftSummary,
    draft_document_add,
    draft_document_remove,
    draft_documents,
    draft_get,
    draft_list,
    draft_start,
    draft_summary,
    missing_sections,
    next_section,
    open_draft,
    section_done,
    sections_of,
)
from minzheng.portal.apply.household import (
    MemberRow,
    SubjectChoice,
    division_options,
    household_members,
    household_of,
    subject_choices,
    village_path,
)
from minzheng.portal.apply.programmes import (
    ALREADY_SUBMITTED,
    AUTHORISATION_TEXT,
    DECLARED_INCOME_MONTHS,
    INCOME_CATEGORIES,
    MAX_DRAFT_DOCUMENTS,
    MAX_MEMBERS,
    ONLINE_HINTS,
    ONLINE_KINDS,
    ONLINE_PROGRAMME,
    ONLINE_SECTIONS,
    PLEDGE_ARTICLE,
    PLEDGE_BASIS,
    PLEDGE_TEXT,
    SECTION_LABELS,
    WINDOW_ALLOWANCES,
    AlreadySubmitted,
    DraftIncomplete,
    DraftInvalid,
    PledgeTexts,
    Section,
    WindowAllowance,
    pledge_texts,
    window_allowances,
    workflow_of,
)
from minzheng.portal.apply.progress import (
    DEADLINE_LABELS,
    ProgressDetail,
    ProgressLine,
    ProgressRow,
    progress_detail,
    progress_document_upload,
    progress_find,
    progress_list,
    progress_row,
)
from minzheng.portal.apply.sections import draft_section_save, draft_sections_save
from minzheng.portal.apply.submission import (
    draft_submit,
)

__all__ = [
    "ALREADY_SUBMITTED",
    "AUTHORISATION_TEXT",
    "AlreadySubmitted",
    "DEADLINE_LABELS",
    "DECLARED_INCOME_MONTHS",
    "DraftIncomplete",
    "DraftInvalid",
    "DraftSummary",
    "INCOME_CATEGORIES",
    "MAX_DRAFT_DOCUMENTS",
    "MAX_MEMBERS",
    "MemberRow",
    "ONLINE_HINTS",
    "ONLINE_KINDS",
    "ONLINE_PROGRAMME",
    "ONLINE_SECTIONS",
    "PLEDGE_ARTICLE",
    "PLEDGE_BASIS",
    "PLEDGE_TEXT",
    "PledgeTexts",
    "ProgressDetail",
    "ProgressLine",
    "ProgressRow",
    "SECTION_LABELS",
    "Section",
    "SubjectChoice",
    "WINDOW_ALLOWANCES",
    "WindowAllowance",
    "division_options",
    "draft_document_add",
    "draft_document_remove",
    "draft_documents",
    "draft_get",
    "draft_list",
    "draft_section_save",
    "draft_sections_save",
    "draft_start",
    "draft_submit",
    "draft_summary",
    "household_members",
    "household_of",
    "missing_sections",
    "next_section",
    "open_draft",
    "pledge_texts",
    "progress_detail",
    "progress_document_upload",
    "progress_find",
    "progress_list",
    "progress_row",
    "section_done",
    "sections_of",
    "subject_choices",
    "village_path",
    "window_allowances",
    "workflow_of",
]
