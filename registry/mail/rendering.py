"""Messages from templates (templates/mail/NAME.subject.txt, NAME.txt, NAME.html), in
the recipient's language."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from registry import formats, translation
from registry.resources import bundled_dir

_environment: Environment | None = None


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def configure(templates_dir: Path) -> None:
    global _environment
    env = Environment(
        loader=FileSystemLoader(templates_dir / "mail"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=translation.gettext, ngettext=translation.ngettext, newstyle=True)
    env.filters.update(formats.filters())
    env.globals["say"] = formats.say
    _environment = env


def render(template: str, *, language: str, context: dict[str, Any]) -> Rendered:
    if _environment is None:
        configure(bundled_dir("templates"))
    assert _environment is not None
    with translation.using(language):
        values = {**context, "language": translation.current()}
        if isinstance(values.get("values"), dict):
            # Words given as values (what is due, say) are said in the mail's language,
            # and dates and numbers written as its readers write them.
            values["values"] = {key: formats.shown(value)
                                for key, value in values["values"].items()}
        subject = _environment.get_template(f"{template}.subject.txt").render(values)
        return Rendered(
            subject=" ".join(subject.split()),
            text=_environment.get_template(f"{template}.txt").render(values),
            html=_environment.get_template(f"{template}.html").render(values),
        )
