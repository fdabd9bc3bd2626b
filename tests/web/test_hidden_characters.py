"""One check refuses, in every text a person sends, the characters a reader would not
see as written: controls, bidirectional overrides and isolates, zero-width spaces."""

from __future__ import annotations

import typing

import pytest
from pydantic import BaseModel, ValidationError

from registry.accessions.tables import Accession
from registry.app import create_app
from registry.mail.tables import OutboxMessage
from registry.validation import Form, hidden_character
from tests.accessions.test_submission import FORM


def _body_models(app) -> dict[str, type[BaseModel]]:
    found = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is None:
                continue
            model = data.annotation
            if typing.get_origin(model) is typing.Annotated:
                model = typing.get_args(model)[0]
            if isinstance(model, type) and issubclass(model, BaseModel):
                found[f"{route.path} {handler.handler_name}"] = model
    return found


def test_every_body_a_route_takes_as_a_model_is_a_form(synced):
    models = _body_models(create_app(synced))
    assert len(models) > 20
    not_forms = {where: model.__name__ for where, model in models.items()
                 if not issubclass(model, Form)}
    assert not_forms == {}


def test_passwords_are_taken_as_typed_and_the_rest_of_a_login_is_checked():
    from registry.staff.schemas import EnrolForm, LoginForm

    odd = "pass\u202eword\u200b"  # a password is compared, never shown: any character
    assert LoginForm(email="a@example.org", password=odd).password == odd
    assert EnrolForm(password=odd, password_again=odd).password_again == odd
    with pytest.raises(ValidationError):
        LoginForm(email="a\u202e@example.org", password="x")


@pytest.mark.parametrize(("text", "hidden"), [
    ("Viasna", None), ("Беларускі Хельсінкскі камітэт", None), ("a\u202eb", "\u202e"),
    ("a\u2066b", "\u2066"), ("x\u200bz", "\u200b"), ("\x00", "\x00"), ("\u2028", "\u2028"),
    ("line\nnext\ttab", None), ("👩\u200d💻 ❤\ufe0f\u200d🔥", None), ("a\u200db", "\u200d"),
])
def test_what_counts_as_hidden(text, hidden):
    assert hidden_character(text) == hidden


def test_every_ascii_character_is_judged_by_its_unicode_category():
    """ASCII texts take a shorter way (one regular expression): it says of each of the
    128 characters what the Unicode categories say, alone and inside a text."""
    import unicodedata
    for code in range(128):
        char = chr(code)
        hidden = unicodedata.category(char) == "Cc" and char not in "\n\r\t"
        assert hidden_character(char) == (char if hidden else None), hex(code)
        assert hidden_character(f"ab{char}cd") == (char if hidden else None), hex(code)


@pytest.mark.parametrize("field", ["other_interests", "public_name", "version", "city"])
async def test_a_bidi_override_in_any_answer_is_refused_at_its_field(client, synced, field):
    response = await client.post("/api/v1/accessions",
                                 json={**FORM, field: "Viasna \u202eSecretariat"})
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert [e["key"] for e in errors] == [field]
    assert "invisible characters" in errors[0]["message"]
    assert await Accession.count() == 0 and await OutboxMessage.count() == 0


async def test_a_name_with_emoji_is_accepted(client, synced):
    response = await client.post("/api/v1/accessions",
                                 json={**FORM, "public_name": "Ініцыятыва 👩\u200d💻"})
    assert response.status_code == 201, response.text
