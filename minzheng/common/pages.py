"""What every staff page module shares: the capability guard, attaching a service error to a form, and
list paging without ``COUNT(*)`` over a whole table."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate, ParamSpec
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from minzheng.catalogue.roles import Capability
from minzheng.common.errors import DomainError, NotFound
from minzheng.common.selectors import ListCount, count_capped

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]


def capability_required(capability: Capability) -> Callable[[View[P]], View[P]]:
    """403 unless the user's role has ``capability``; a ``NotFound`` from a selector becomes 404."""

    def decorator(view: View[P]) -> View[P]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            # Any staff user (``accounts.User.can``); the anonymous user has no ``can`` (common sits below
            # accounts, so it cannot name the class).
            can = getattr(request.user, "can", None)
            if can is None or not can(capability):
                raise PermissionDenied(_("您的角色无权执行此操作"))
            try:
                return view(request, *args, **kwargs)
            except NotFound as error:
                raise Http404(error.message) from None

        return wrapped

    return decorator


def error_attach(
    form: forms.Form, error: DomainError, aliases: Mapping[str, str | None] | None = None
) -> int:
    """Put a service's error on the form field it names (or on the form); return the HTTP status.

    A record the input refers to but that cannot be found is an input error here (422), not a 404.
    """
    field = (aliases or {}).get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.message)
    return error.http_status if 400 <= error.http_status < 500 and error.http_status != 404 else 422


@dataclass(frozen=True)
class ListPage:
    rows: list[Any]
    number: int
    has_previous: bool
    has_next: bool
    total: int
    total_capped: bool  # the real total is larger than ``total``
    total_estimated: bool = False  # ``total`` is an estimate ("约 n 条"), see ``ListCount``

    @property
    def first_index(self) -> int:
        return (self.number - 1) * settings.PAGE_SIZE + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * settings.PAGE_SIZE + len(self.rows)


def list_page(
    queryset: QuerySet[Any], number: int, counter: Callable[[], ListCount] | None = None
) -> ListPage:
    """One page of ``queryset``: fetch one row more than a page to know whether another follows.

    The rows come first: when no page follows, the total is known from them and nothing is counted
    (a search that finds a few rows costs one query). Otherwise ``counter`` gives the total (by default
    at most ``LIST_COUNT_CAP`` rows are counted). A page number past the end is clamped to the last page.
    """
    size = settings.PAGE_SIZE
    number = max(1, number)
    rows = list(queryset[(number - 1) * size : number * size + 1])
    if not rows and number > 1:
        counted = count_capped(queryset)
        if counted.capped:  # far past the counted rows: an empty page, as before
            return ListPage([], number, True, False, counted.total, True)
        number = max(1, -(-counted.total // size))
        rows = list(queryset[(number - 1) * size : number * size + 1])
    if len(rows) <= size:
        total = (number - 1) * size + len(rows) if rows else 0
        return ListPage(rows, number, number > 1, False, total, False)
    counted = counter() if counter is not None else count_capped(queryset)
    # an estimate never says fewer rows than the pages already show
    total = max(counted.total, number * size + 1) if counted.estimated else counted.total
    return ListPage(rows[:size], number, number > 1, True, total, counted.capped, counted.estimated)


def query_without(request: HttpRequest, *names: str) -> str:
    """The current query string without ``names`` (and without empty values), for links that change them."""
    return urlencode([(k, v) for k, v in request.GET.items() if k not in names and v])


def sort_columns(
    columns: Sequence[tuple[str | None, Any] | tuple[str | None, Any, str]], current: str
) -> list[dict[str, Any]]:
    """The header cells of a sortable list: ``columns`` are ``(key, label)`` or ``(key, label, css)``
    (``key`` None = not sortable); ``current`` is the sort in force (``-`` = descending). A click on the
    active column reverses it."""
    cells = []
    for key, label, *css in columns:
        cell = {
            "label": label,
            "key": key,
            "active": key is not None and current.lstrip("-") == key,
            "descending": current.startswith("-"),
            "next_sort": (f"-{key}" if current == key else key) if key else None,
        }
        if css:
            cell["css"] = css[0]
        cells.append(cell)
    return cells
