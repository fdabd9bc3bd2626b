"""Dates, moments, numbers and counts as each language writes them (registry/formats.py,
`Plural` in registry/translation.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from registry import formats
from registry.mail import rendering
from registry.refusals import Invalid
from registry.translation import NP_, say, translations, using

MOMENT = datetime(2026, 5, 3, 22, 15, 7, tzinfo=UTC)


def plain(text: str) -> str:
    """CLDR puts narrow no-break spaces in some formats; compare them as spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.mark.parametrize(("code", "day", "moment"), [
    ("en", "3 May 2026", "3 May 2026, 22:15:07 UTC"),
    ("be", "3 мая 2026", "3 мая 2026 г., 22:15:07 UTC"),
    ("ru", "3 мая 2026", "3 мая 2026 г., 22:15:07 UTC"),
])
def test_dates_and_moments_in_the_language(code: str, day: str, moment: str):
    with using(code):
        assert plain(formats.day(MOMENT.date())) == day
        assert plain(formats.day(MOMENT)) == day
        assert plain(formats.day("2026-05-03")) == day
        assert plain(formats.moment(MOMENT)) == moment
        # Another zone is said in UTC: the day and the hour move with it.
        minsk = MOMENT.astimezone(timezone(timedelta(hours=3)))
        assert plain(formats.moment(minsk)) == moment
        assert plain(formats.day(minsk)) == day
        # A date often ends a sentence: it must not bring a full stop of its own.
        assert not formats.day(MOMENT).endswith(".")
    assert formats.iso(MOMENT) == "2026-05-03T22:15:07+00:00"
    assert formats.iso(date(2026, 5, 3)) == "2026-05-03"


def test_numbers_in_the_language():
    with using("en"):
        assert formats.number(1234567) == "1,234,567"
    for code in ("be", "ru"):
        with using(code):
            assert formats.number(1234567) == "1\xa0234\xa0567"


@pytest.mark.parametrize(("count", "form"), [(1, 0), (2, 1), (5, 2), (11, 2), (21, 0),
                                             (22, 1)])
def test_a_count_chooses_the_plural_form_of_its_language(count: int, form: int):
    """Belarusian and Russian have three forms; the catalogue's rule picks one."""
    for code in ("be", "ru"):
        catalogue = translations(code)
        assert catalogue.plural(count) == form  # type: ignore[attr-defined]
    message = NP_("%(count)s day.", "%(count)s days.")
    with using("en"):
        assert say(message, {"count": count}) == ("%(count)s day." if count == 1
                                                   else "%(count)s days.")
    assert Invalid(message, count=count).text() == (f"{count} day." if count == 1
                                                    else f"{count} days.")


def test_a_mail_writes_its_days_in_its_language():
    """Values given to a notice as days are written in the recipient's language."""
    rendered = rendering.render("signatory_notice", language="be", context={
        "notice": _notice(), "values": {"name": "Алена", "public_name": "Вясна",
                                        "version": "1.0", "due": date(2027, 1, 31)},
        "url": None, "quote": None})
    assert "31 студзеня 2027" in rendered.text and "2027-01-31" not in rendered.text
    english = rendering.render("signatory_notice", language="en", context={
        "notice": _notice(), "values": {"name": "Alena", "public_name": "Viasna",
                                        "version": "1.0", "due": date(2027, 1, 31)},
        "url": None, "quote": None})
    assert "due on 31 January 2027" in english.text


def _notice():
    from registry.accessions.notices import NOTICES
    return NOTICES["reaffirmed"]


@pytest.mark.parametrize("count", [21, 3, 5])  # the three Belarusian forms
def test_a_catalogues_own_gettext_gives_its_own_plural_forms(count: int):
    """A refusal said in a language other than the current one (a mail's, say) takes
    that language's plural forms, not English's."""
    from registry.staff.passwords import problems as password_problems

    belarusian = translations("be")
    with using("en"):
        [short] = [p for p in password_problems("x", min_length=count) if "%(count)s" in p.message]
        said = short.text(belarusian.gettext)
    expected = belarusian.ngettext(short.message, short.message.plural, short.values["count"])
    assert said == expected % short.values
    assert said != (short.message % short.values)  # not English
    forms = {belarusian.ngettext(short.message, short.message.plural, n) for n in (21, 3, 5)}
    assert len(forms) == 3
