"""Dates, times and numbers as a reader of the current language writes them (Babel, CLDR).

Pages, staff screens and mails show these; the API (JSON), the audit trail, `<time
datetime="...">` attributes, the command line and the logs keep ISO 8601.

- A date: `day` ("3 May 2026", "3 мая 2026 г."). A moment stored with its time is in UTC;
  its day is the UTC day, as the registry's deadlines count days.
- A moment: `moment`, with the time and "UTC" said ("3 May 2026, 10:15:07 UTC"): the
  registry keeps every time in UTC, and a reader abroad must not guess the zone.
- A number: `number` ("1 234" in Belarusian and Russian, "1,234" in English).

English is written in British English here (as the rest of the registry's words are), so
its dates read day, month, year, never the US month first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from registry import translation
from registry.refusals import Words

# The CLDR locale each interface language formats with.
FORMAT_LOCALES = {"en": "en_GB", "be": "be", "ru": "ru"}


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(FORMAT_LOCALES.get(code, code))


def locale() -> Locale:
    """The locale to format with in the current language."""
    return _locale(translation.current())


def day(value: date | datetime | str | None) -> str:
    """A date in words of the current language; a moment's UTC day. A day kept as text
    (ISO 8601, in a draft or a public fact) is read first."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = (value.astimezone(UTC) if value.tzinfo else value).date()
    return format_date(value, format=_day_pattern(locale()), locale=locale())


@cache
def _day_pattern(where: Locale) -> str:
    """The language's long date, without the year's abbreviation at its end ("г."): a
    date often ends a sentence, and "2027 г.." would end it twice."""
    pattern = str(where.date_formats["long"].pattern)
    for space in (" ", "\u202f", "\xa0"):
        pattern = pattern.removesuffix(f"{space}'г'.")
    return pattern


def moment(value: datetime | None) -> str:
    """A moment with its time, in UTC, saying so."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value, format="long", tzinfo=UTC, locale=locale())


def number(value: int | float | Decimal | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=locale())


def iso(value: date | datetime | None) -> str:
    """ISO 8601 for a `<time datetime>` attribute: a day, or a moment in UTC."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    return value.isoformat()


def is_past(value: date | datetime | None) -> bool:
    """Whether a day has ended or a moment has come (the Jinja test `past`): a day by
    the UTC calendar, as the registry's deadlines count days."""
    if value is None:
        return False
    now = datetime.now(UTC)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)) <= now
    return value < now.date()


def shown(value: object) -> object:
    """A value put into other words, as the current language shows it: words translated,
    dates and moments formatted; anything else as it is (a count stays a number, for
    the plural form it chooses)."""
    if isinstance(value, Words):
        return value.text(translation.gettext)
    if isinstance(value, datetime):
        return moment(value)
    if isinstance(value, date):
        return day(value)
    return value


def filters() -> dict[str, Callable[..., object]]:
    """The Jinja filters of what people read, for pages and mails alike:
    `date` (a day), `moment` (a day and time, UTC), `number`, `label` (a code's words,
    registry/labels.py), `country` (a country's name), `shown` (Words said in the
    page's language), and `iso` for the machines (`<time datetime="{{ x|iso }}">`)."""
    from registry import countries, labels  # they show through these filters

    return {"date": day, "moment": moment, "number": number, "iso": iso,
            "label": labels.label, "country": countries.name, "shown": shown}


def tests() -> dict[str, Callable[..., bool]]:
    """The Jinja tests: `past` (`{% if until is past %}`)."""
    return {"past": is_past}


@pass_eval_context
def say(eval_context: EvalContext, message: str, **values: object) -> str:
    """The template global for a message written in Python (a notice's paragraph, a
    link's explanation): translated, a Plural in its count's form, the values put in,
    escaped where the template escapes (as Jinja's own `_` does)."""
    translated = translation.say(message, values)
    if eval_context.autoescape:
        return Markup(translated) % values  # noqa: S704 - a msgid; values are escaped
    return translated % values
