"""What is wrong with a form, in words of the reader's language, field by field.

Pydantic's own messages are English ("String should have at least 2 characters"); each
kind of problem it reports is said here instead, through the catalogues. Our validators
raise `ValueError(N_("..."))` with words written for people; a rule across fields names
its field first ("signature_name: ..."), and only the words after it are translated.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError, ValidationInfo, field_validator

from registry.translation import N_, gettext, ngettext

# Each kind of problem pydantic reports, in words (what the reader should do).
PROBLEMS: dict[str, str] = {
    "missing": N_("Answer this question."),
    "enum": N_("Choose one of the answers."),
    "literal_error": N_("Choose one of the answers."),
    "bool_parsing": N_("Choose yes or no."),
    "bool_type": N_("Choose yes or no."),
    "string_type": N_("Write this answer as text."),
    "string_pattern_mismatch": N_("This answer has characters it cannot have."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "list_type": N_("Choose one or more of the answers."),
    "date_parsing": N_("Enter a date such as 2026-12-31."),
    "date_from_datetime_parsing": N_("Enter a date such as 2026-12-31."),
    "date_type": N_("Enter a date such as 2026-12-31."),
    "dict_type": N_("This answer must be a JSON object."),
    "extra_forbidden": N_("This form has no such question."),
}
_QUOTED = re.compile(r"'([^']*)'")  # the answers pydantic names ("'a' or 'b'")
CONSENT = N_("Tick this box to go on.")
MISSING_PARAMETER = N_("This parameter is required.")
OUT_OF_RANGE = N_("This number is out of the range allowed.")
NOT_VALID = N_("This answer is not valid.")


HIDDEN = N_("Remove the control or invisible characters from this answer.")
# Line breaks and tabs belong in a text of several paragraphs; a one-line answer folds
# them into spaces where it is cleaned.
_LAYOUT = frozenset("\n\r\t")
_JOINER = "\u200d"
# In ASCII, the only characters not shown as written are the controls (category Cc).
_ASCII_HIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _joins_emoji(text: str, at: int) -> bool:
    """Whether the zero-width joiner at `at` joins two pictographs (👩‍💻), its one use in
    a name or an account; anywhere else it only hides a difference between two words."""
    if not 0 < at < len(text) - 1:
        return False
    before = text[at - 1]
    if before == "\ufe0f" and at > 1:  # the emoji presentation selector
        before = text[at - 2]
    return unicodedata.category(before) == "So" and unicodedata.category(text[at + 1]) == "So"


def hidden_character(text: str) -> str | None:
    """The first character of `text` a reader would not see as written, if any: control
    characters (but line breaks and tabs), format characters (the bidirectional overrides
    and isolates that make text display in another order than it is stored, zero-width
    spaces), line and paragraph separators, surrogates and private-use characters."""
    if text.isascii():  # most texts, and every credential: one scan in C
        found = _ASCII_HIDDEN.search(text)
        return found[0] if found else None
    for at, char in enumerate(text):
        if char in _LAYOUT:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Co", "Cs", "Zl", "Zp") or (
                category == "Cf" and not (char == _JOINER and _joins_emoji(text, at))):
            return char
    return None


def plain(text: str) -> str:
    """The one check of every text a person sends (forms and API alike): refused, in
    words, if it holds a character that would not show as written."""
    if hidden_character(text) is not None:
        raise ValueError(HIDDEN)
    return text


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set | frozenset):
        return [text for item in value for text in _texts(item)]
    return []


class Form(BaseModel):
    """What a person sends: every text in it, whatever its field, passes `plain`. Fields
    whose every character counts as typed (passwords) are named in SECRETS and skipped:
    they are compared, never shown."""

    SECRETS: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _shown_as_written(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name not in cls.SECRETS:
            for text in _texts(value):
                plain(text)
        return value


def _counted(kind: str, context: dict[str, Any]) -> str | None:
    """Problems with a number in them, in the language's plural forms."""
    if kind in ("string_too_short", "too_short"):
        least = int(context.get("min_length", 1))
        if kind == "too_short":
            return gettext(N_("Choose at least one of the answers."))
        if least <= 1:
            return gettext(PROBLEMS["missing"])
        return ngettext("Write at least %(num)d character.",
                        "Write at least %(num)d characters.", least) % {"num": least}
    if kind in ("string_too_long", "too_long"):
        most = int(context.get("max_length", 0))
        if kind == "too_long":
            return ngettext("Choose at most %(num)d answer.",
                            "Choose at most %(num)d answers.", most) % {"num": most}
        return ngettext("Write at most %(num)d character.",
                        "Write at most %(num)d characters.", most) % {"num": most}
    return None


def problem(item: dict[str, Any]) -> tuple[str, str]:
    """One pydantic error as (field, words in the current language)."""
    field = str(item["loc"][0]) if item["loc"] else ""
    kind, context = item["type"], item.get("ctx") or {}
    if kind == "value_error":
        words = str(context.get("error", item["msg"]))
        if not field and ": " in words:
            field, words = words.split(": ", 1)
        return field or "form", gettext(words)
    if kind == "literal_error" and context.get("expected") == "True":
        return field or "form", gettext(CONSENT)
    counted = _counted(kind, context)
    if counted is not None:
        return field or "form", counted
    return field or "form", gettext(PROBLEMS.get(kind, NOT_VALID))


def described(error: ValidationError) -> list[dict[str, object]]:
    """Each field's first problem for the API: its key, the words, and where the answer
    is one of a few, the answers allowed (machines read them; people read the words)."""
    found: dict[str, dict[str, object]] = {}
    for item in error.errors():
        field, words = problem(item)  # type: ignore[arg-type]
        if field in found:
            continue
        said: dict[str, object] = {"key": field, "message": words, "source": "body"}
        expected = (item.get("ctx") or {}).get("expected")
        if item["type"] in ("enum", "literal_error") and isinstance(expected, str):
            allowed = _QUOTED.findall(expected)
            if allowed:
                said["allowed"] = allowed
        found[field] = said
    return list(found.values())


def placed(found: Mapping[str, str], controls: Mapping[str, str]) -> dict[str, str]:
    """A form's problems at the page's controls: each field the rules name under the id
    of its control (`controls`; a page with several forms gives its fields ids of their
    own), the first problem of each; what no control on the page shows is said for the
    whole form ("form")."""
    at: dict[str, str] = {}
    for field, words in found.items():
        at.setdefault(controls.get(field, "form"), words)
    return at


def problems(error: ValidationError) -> dict[str, str]:
    """Each field's first problem, in words of the current language ("form" for what
    belongs to no field)."""
    found: dict[str, str] = {}
    for item in error.errors():
        field, words = problem(item)  # type: ignore[arg-type]
        found.setdefault(field, words)
    return found



# What msgspec says of a query or path parameter Litestar refused ("Expected `str` of
# length <= 200"), said again in words of the current language.
_LENGTH = re.compile(r"Expected `(?:str|array)` of length (<=|>=) (\d+)")
_INTEGER = re.compile(r"Expected `int`, got")
_RANGE = re.compile(r"Expected `(?:int|float)` [<>]=? ")
_MISSING = re.compile(r"Missing required (\w+) parameter '([^']{1,100})'")


def parameter_problem(message: str) -> str:
    """Litestar's (msgspec's) English words about a parameter, in the current language."""
    if length := _LENGTH.match(message):
        bound, num = length.group(1), int(length.group(2))
        kind = "string_too_long" if bound == "<=" else "string_too_short"
        if length.group(0).startswith("Expected `array`"):  # answers, not characters
            kind = kind.removeprefix("string_")
        return _counted(kind, {"max_length": num, "min_length": num}) or gettext(NOT_VALID)
    if _INTEGER.match(message):
        return gettext(PROBLEMS["int_parsing"])
    if _RANGE.match(message):
        return gettext(OUT_OF_RANGE)
    if message.startswith("Object missing required field") or _MISSING.match(message):
        return gettext(MISSING_PARAMETER)
    return gettext(NOT_VALID)


def missing_parameter(message: str) -> dict[str, object] | None:
    """Litestar's refusal of a request without a required parameter, which names it only
    in its English message, as one problem (key, source, words)."""
    found = _MISSING.match(message)
    if found is None:
        return None
    return {"key": found.group(2), "source": found.group(1),
            "message": gettext(MISSING_PARAMETER)}
