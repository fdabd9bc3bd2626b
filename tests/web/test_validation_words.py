"""Every problem a form can report is said in Belarusian and Russian, never in
pydantic's English: each form is sent a battery of wrong answers and each message it
gives back, in each language, must be a translation (not the English words)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from registry.accessions.schemas import AccessionForm, ReaccessionAnswers, ResendRequest
from registry.cases.schemas import ComplaintForm, DeclarationForm, FilerMessage
from registry.translation import using
from registry.validation import problems

WRONG: list[object] = [None, "", "x", "x" * 30000, 12, -1, True, [], {}, [1, 99], "<b>",
                       "a\u202eb", "2026-13-45", "not an address", "javascript:alert(1)",
                       {"a": 1}]
FORMS: list[type[BaseModel]] = [AccessionForm, ReaccessionAnswers, ResendRequest,
                                ComplaintForm, DeclarationForm, FilerMessage]


def _messages(form: type[BaseModel], code: str) -> set[str]:
    found: set[str] = set()
    with using(code):
        for field in form.model_fields:
            for wrong in WRONG:
                try:
                    form.model_validate({field: wrong, "unknown": 1})
                except ValidationError as error:
                    found.update(problems(error).values())
    return found


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.__name__)
@pytest.mark.parametrize("code", ["be", "ru"])
def test_every_validation_message_has_a_translation(form, code):
    english = _messages(form, "en")
    translated = _messages(form, code)
    assert len(english) >= 3  # the battery really finds problems
    untranslated = english & translated
    assert not untranslated, f"no {code} translation for: {sorted(untranslated)}"
    assert not any("should" in words or "Field required" in words for words in english)
