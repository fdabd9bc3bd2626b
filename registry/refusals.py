"""Refusals: a rule that cannot be carried out says so by raising a refusal of a kind.

The rules know nothing of HTTP. The kind says what went wrong (nothing there, a
conflict with the present state, gone for good, a bad answer, not allowed, too often);
registry/web/errors.py turns each kind into its status, and the command line prints the
words. The words are a msgid marked with `N_`, translated where they are shown, with
%-style values interpolated after translation.
"""

from __future__ import annotations

from collections.abc import Callable

from registry.translation import say


def untranslated(message: str) -> str:
    """The words as written (English): the `gettext` of the command line and the logs."""
    return message


class Words:
    """Words put into other words as a value (a reason inside a refusal): translated
    with them, in the same language."""

    def __init__(self, message: str, **values: object) -> None:
        self.message = message
        self.values = values

    def text(self, gettext: Callable[[str], str] = untranslated) -> str:
        translated = say(self.message, self.values, gettext)
        return translated % _shown(self.values, gettext) if self.values else translated

    def __str__(self) -> str:
        return self.text()


def _shown(values: dict[str, object], gettext: Callable[[str], str]) -> dict[str, object]:
    return {key: value.text(gettext) if isinstance(value, Words) else value
            for key, value in values.items()}


class Refusal(Exception):
    """A rule that cannot be carried out, in words (a msgid marked with N_, %-style values
    interpolated after translation), and, where one answer is at fault, that answer's field."""

    def __init__(self, message: str, *, field: str | None = None, **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.values = values

    def text(self, gettext: Callable[[str], str] = untranslated) -> str:
        """The words, translated with `gettext` (a Plural in the form its count asks for),
        then with the values put in."""
        translated = say(self.message, self.values, gettext)
        return translated % _shown(self.values, gettext) if self.values else translated

    def form_problems(self, gettext: Callable[[str], str] = untranslated) -> dict[str, str]:
        """The refusal as a form's problems: its words at the answer at fault, or for
        the whole form ("form"), as `registry.validation.problems` says a form's."""
        return {self.field or "form": self.text(gettext)}

    def detail(self, gettext: Callable[[str], str] = untranslated) -> str:
        """The words with the field at fault in front ("field: words"), as shown alone."""
        text = self.text(gettext)
        return f"{self.field}: {text}" if self.field else text

    def __str__(self) -> str:
        return self.detail()


class NotFound(Refusal):
    """There is nothing of the kind asked for (or nothing the asker may know of)."""


class Conflict(Refusal):
    """It cannot be done in the present state of things."""


class Gone(Refusal):
    """It was there once, and is no more: a used or expired link."""


class Invalid(Refusal):
    """The request itself is wrong: an answer that breaks a rule."""


class Forbidden(Refusal):
    """The asker may not do this."""


class TooMany(Refusal):
    """Too often: wait (`retry_after` seconds, where it is known), then try again."""

    def __init__(self, message: str, *, retry_after: int | None = None,
                 field: str | None = None, **values: object) -> None:
        super().__init__(message, field=field, **values)
        self.retry_after = retry_after


KINDS: tuple[type[Refusal], ...] = (NotFound, Conflict, Gone, Invalid, Forbidden, TooMany)
