"""What is wrong with a form, in words of the reader's language, field by field.

Pydantic's own messages are English ("String should have at least 2 characters"); each
kind of problem it reports is said here instead, through the catalogues. Our validators
raise `ValueError(N_("..."))` with words written for people; a rule across fields names
its field first ("signature_name: ..."), and only the words after it are translated.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

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
CONSENT = N_("Tick this box to go on.")
NOT_VALID = N_("This answer is not valid.")


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


def problems(error: ValidationError) -> dict[str, str]:
    """Each field's first problem, in words of the current language ("form" for what
    belongs to no field)."""
    found: dict[str, str] = {}
    for item in error.errors():
        field, words = problem(item)  # type: ignore[arg-type]
        found.setdefault(field, words)
    return found

