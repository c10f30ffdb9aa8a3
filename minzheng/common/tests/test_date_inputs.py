"""Date inputs carry ISO values (issue 14 §7: a prefilled "2026/12/07" is shown empty by the browser)."""

from __future__ import annotations

import datetime as dt
import re

from django import forms

from minzheng.common.forms import DateInput


class _Form(forms.Form):
    day = forms.DateField(widget=DateInput())


def test_a_date_input_renders_iso_whatever_the_language(settings) -> None:
    from django.utils import translation

    for language in ("zh-hans", "en"):
        with translation.override(language):
            html = str(_Form(initial={"day": dt.date(2026, 12, 7)})["day"])
        assert 'type="date"' in html
        assert 'value="2026-12-07"' in html


def test_every_date_input_on_the_what_if_and_reserve_pages_is_iso(users) -> None:
    from django.test import Client

    client = Client()
    client.force_login(users["county"])
    for url in ("/benefits/what-if/", "/payments/reserve/"):
        html = client.get(url).content.decode()
        values = re.findall(r'<input type="date"[^>]*value="([^"]*)"', html)
        assert values, url  # the page prefills a date
        assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) for value in values), (url, values)
