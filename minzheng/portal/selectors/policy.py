"""The policy guide (政策清单): every programme of the catalogue with who qualifies, the figures in force for
a place, the papers, the procedure and its time limits. Published policy parameters, not personal data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from minzheng.catalogue.programmes import PROGRAMME_LABELS, PROGRAMMES, Programme
from minzheng.common.caching import DIVISIONS, POLICY, cache_key, cached, cached_at
from minzheng.common.errors import NotFound
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.portal import rules
from minzheng.portal.guides import Figure, GuideReader, GuideWriter
from minzheng.portal.labels import label
from minzheng.portal.models import PortalAccount
from minzheng.portal.selectors.accounts import account_household

REGION_CODE = "150000000000"


@dataclass(frozen=True)
class ProgrammeGuide:
    code: str
    name: str
    who: str
    figures: tuple[Figure, ...]
    documents: tuple[str, ...]
    procedures: tuple[rules.Procedure, ...]
    how_long: str
    legal_basis: str
    missing: tuple[str, ...] = ()  # figures not set for this place (no guess is shown)

    @property
    def unconfirmed(self) -> bool:
        return any(f.unconfirmed for f in self.figures)


@dataclass(frozen=True)
class PolicyGuide:
    division: Division
    urban_rural: str  # "" when the guide shows both
    as_of: dt.date
    programmes: tuple[ProgrammeGuide, ...]
    key: str = ""  # its cache key: changes with the parameters, the place, the date and the language

    def programme(self, code: str) -> ProgrammeGuide | None:
        return next((p for p in self.programmes if p.code == code), None)


@cache
def guide_writer(programme: Programme) -> GuideWriter:
    """The writer of the programme's entry: the catalogue's ``portal_guide`` path (a function of
    ``portal.guides``), imported once."""
    writer: GuideWriter = import_string(PROGRAMMES[programme].portal_guide)
    return writer


def _how_long(code: Programme, procedures: tuple[rules.Procedure, ...]) -> str:
    if code in rules.ENROLLED_FROM_REGISTRY:
        return _("无需申请：达到年龄的次月起按户籍登记直接纳入发放")
    limits = [p.overall for p in procedures if p.overall]
    if limits:
        return limits[0]
    if code == Programme.TEMPORARY_ASSISTANCE:
        return _("小额快救一般 3 天内办结；急难型可先行救助，事后补办手续")
    steps = [f"{s.label} {s.time_limit}" for p in procedures for s in p.stages if s.time_limit]
    if steps:
        return _("各环节时限：%(steps)s") % {"steps": "；".join(steps)}
    return _("向户籍所在地乡镇（街道）申请，办理时限以当地规定为准")


def policy_guide(*, division: Division, urban_rural: str = "", as_of: dt.date | None = None) -> PolicyGuide:
    """The guide for a place, generated from the programme catalogue (``catalogue.programmes``), the
    workflows (applications.rules) and the parameters in force there on ``as_of``. ``urban_rural`` ""
    shows urban and rural figures side by side. A figure not set for the place is listed as missing.

    Cached per place, urban/rural type, date and language in the current generation of the parameter set
    (``common.caching``): a parameter change is visible at once, a new day starts new entries."""
    as_of = as_of or timezone.localdate()
    parts = (division.code, urban_rural or "-", as_of.isoformat(), get_language() or "")
    key = cache_key("portal-guide", (POLICY,), parts)
    programmes = cached_at(key, lambda: _programme_guides(division.code, urban_rural, as_of))
    return PolicyGuide(division, urban_rural, as_of, programmes, key)


def _programme_guides(division_code: str, urban_rural: str, as_of: dt.date) -> tuple[ProgrammeGuide, ...]:
    places = [urban_rural] if urban_rural else ["urban", "rural"]
    guides = []
    for code in rules.GUIDE_ORDER:
        reader = GuideReader(division_code, as_of)
        who, figures = guide_writer(code)(reader, places)
        procedures = tuple(rules.procedure_of(w) for w in rules.PROGRAMME_WORKFLOWS[code])
        guides.append(
            ProgrammeGuide(
                code=code,
                name=label(PROGRAMME_LABELS[code]),
                who=who,
                figures=tuple(figures),
                documents=tuple(label(kind.label) for kind in rules.documents_of(code)),
                procedures=procedures,
                how_long=_how_long(code, procedures),
                legal_basis=PROGRAMMES[code].legal_basis,
                missing=tuple(reader.missing),
            )
        )
    return tuple(guides)


def policy_divisions() -> list[Division]:
    """The region and its current leagues/cities and counties, for the place chooser of the guide."""
    return list(
        Division.objects.filter(level__lte=Level.COUNTY, abolished_on__isnull=True, code__startswith="15")
        .order_by("code")
        .only("code", "name", "level")
    )


def policy_place_choices() -> list[tuple[str, str]]:
    """``policy_divisions`` as (code, label) for the place chooser, leagues and counties indented; cached in
    the current generation of the division tree (``common.caching``)."""

    def build() -> list[tuple[str, str]]:
        indent = {int(Level.PREFECTURE): "· ", int(Level.COUNTY): "· · "}
        return [(d.code, indent.get(d.level, "") + d.name) for d in policy_divisions()]

    return cached("portal-places", (DIVISIONS,), (), build)


def policy_place(*, account: PortalAccount | None, code: str = "") -> tuple[Division, str]:
    """Where the guide is for: the account's household (its hukou division and urban/rural type), else
    the county chosen (``code``), else the region."""
    if account is not None and not code:
        household = account_household(account=account)
        if household is not None:
            return household.hukou_division, household.urban_rural
    chosen = None
    if code:
        chosen = Division.objects.filter(
            code=code.strip().ljust(12, "0")[:12], level__lte=Level.COUNTY, abolished_on__isnull=True
        ).first()
    chosen = (
        chosen
        or Division.objects.filter(code=REGION_CODE).first()
        or Division.objects.order_by("code").first()
    )
    if chosen is None:
        raise NotFound(_("尚未导入行政区划"), field="division")
    return chosen, ""
