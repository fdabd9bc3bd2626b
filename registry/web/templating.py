"""The Jinja2 environment every page renders with: autoescaping, gettext, filters."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine
from markupsafe import Markup, escape

from registry import __version__, countries, formats
from registry.principles.document import FOOTNOTE_REF
from registry.web import i18n


def with_footnotes(text: str) -> Markup:
    """Escape a text of the Principles, then turn its [^n] marks into footnote links."""
    escaped = str(escape(text))
    # Safe: the text is escaped first, and the marks match only digits.
    return Markup(FOOTNOTE_REF.sub(  # noqa: S704
        lambda m: f'<sup id="fnref{m[1]}"><a href="#fn{m[1]}" class="footnote-ref">'
        f"{m[1]}</a></sup>",
        escaped,
    ))


def localised_date(value: date | datetime | None) -> str:
    return formats.day(value)


def local_path(value: str) -> str:
    # Only local paths go into the language switch's `next`: no scheme, no host.
    return value if re.match(r"^/(?!/)[^\s\\]*$", value) else "/"


def environment(templates_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
    )
    env.globals.update(
        languages=i18n.LANGUAGES,
        current_language=i18n.current,
        registry_version=__version__,
        local_path=local_path,
        # Every country, (code, name), in the reader's alphabetical order.
        country_choices=lambda: countries.choices(i18n.current()),
        say=formats.say,
    )
    env.filters.update(footnotes=with_footnotes, **formats.filters())
    env.tests.update(formats.tests())
    return env


def template_engine(templates_dir: Path) -> JinjaTemplateEngine:
    return JinjaTemplateEngine.from_environment(environment(templates_dir))
