"""Bad addresses get a clear 404 or 400, as an HTML page or as JSON under /api/."""

import pytest
from litestar.testing import AsyncTestClient

HUGE = "9" * 20_000

PAGE_CASES = [
    ("/principles/9.9", 404, "There is no version 9.9 of the Principles."),
    ("/principles/latest", 404, "There is no version latest"),
    ("/principles/1.0/abc", 404, "no principle numbered abc"),
    ("/principles/1.0/0", 404, "numbered 1 to 15"),
    ("/principles/1.0/16", 404, "numbered 1 to 15"),
    ("/principles/1.0/-1", 404, "numbered 1 to 15"),
    ("/principles/1.0/1.5", 404, "numbered 1 to 15"),
    ("/principles/1.0/99999999999999999999999", 404, "numbered 1 to 15"),
    (f"/principles/1.0/{HUGE}", 400, "not understood"),
    (f"/principles/{HUGE}", 400, "not understood"),
    # An encoded slash is decoded before routing: these reach no route at all.
    ("/principles/..%2F..%2Fetc%2Fpasswd", 404, "nothing at this address"),
    ("/principles/1.0/..%2F..%2Fsecrets", 404, "nothing at this address"),
    ("/principles/../../etc/passwd", 404, "nothing at this address"),
    ("/static/..%2F..%2Fregistry%2Fsettings.py", 404, "nothing at this address"),
    ("/static/../../pyproject.toml", 404, "nothing at this address"),
    ("/principles/1.0.exe", 404, "There is no version"),
    ("/principles/1.0?text=%3Cscript%3E", 404, "has no text in that language"),
    ("/principles/1.0?text=" + "x" * 500, 400, "not understood"),
    ("/language/xx", 404, "That language is not available."),
    ("/nowhere", 404, "There is nothing at this address."),
]


@pytest.mark.parametrize(("path", "status", "words"), PAGE_CASES)
async def test_bad_page_addresses(client: AsyncTestClient, path: str, status: int, words: str):
    response = await client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert words in response.text
    assert "Traceback" not in response.text and "<script" not in response.text


API_CASES = [
    ("/api/v1/principles/9.9", 404, "There is no version 9.9 of the Principles."),
    ("/api/v1/principles/" + HUGE, 400, "The request is not valid"),
    ("/api/v1/principles/..%2Fetc", 404, "There is nothing at this address."),
    ("/api/v1/principles/1.0%3B%20DROP%20TABLE%20principles_version", 404, "no version"),
    ("/api/v1/principles/%F0%9F%98%80", 404, "There is no version"),
    ("/api/v1/principles/1.0?language=xx", 404, "has no text in that language"),
    ("/api/v1/nowhere", 404, "There is nothing at this address."),
]


@pytest.mark.parametrize(("path", "status", "words"), API_CASES)
async def test_bad_api_requests_get_json_errors(
    client: AsyncTestClient, path: str, status: int, words: str
):
    response = await client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["status_code"] == status and words in body["detail"]
    assert len(response.text) < 2000  # never the huge input echoed back
    if status == 400:
        assert body["errors"][0]["key"] == "version"


async def test_wrong_method_is_405_not_500(client: AsyncTestClient):
    page = await client.post("/principles/1.0")
    assert page.status_code in (403, 405)  # CSRF may refuse first once it guards posts
    api = await client.delete("/api/v1/principles/1.0")
    assert api.status_code == 405 and api.json()["status_code"] == 405


async def test_an_unexpected_error_is_a_generic_500_without_details(client, monkeypatch):
    from registry.principles import services

    async def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(services, "list_versions", broken)
    page = await client.get("/principles")
    assert page.status_code == 500 and "secret internal detail" not in page.text
    assert "Something went wrong on our side" in page.text
    api = await client.get("/api/v1/principles")
    assert api.status_code == 500 and "secret internal detail" not in api.text


@pytest.mark.parametrize("language", ["be", "ru", "en"])
async def test_a_refused_parameter_is_said_in_the_readers_language(
    client: AsyncTestClient, language: str
):
    from registry.web.i18n import translations

    response = await client.get("/api/v1/principles/" + HUGE,
                                headers={"accept-language": language})
    assert response.status_code == 400
    [problem] = response.json()["errors"]
    most = 200  # the version's longest (registry/principles/controllers.py)
    expected = translations(language).ngettext(
        "Write at most %(num)d character.", "Write at most %(num)d characters.", most
    ) % {"num": most}
    assert problem == {"key": "version", "source": "path", "message": expected}
    if language != "en":
        assert "Expected" not in response.text and "length" not in response.text


def test_msgspecs_words_about_a_parameter_are_said_again():
    """The words Litestar passes on from msgspec, as msgspec itself writes them today:
    if msgspec changes them, this fails rather than the API turning English again."""
    from typing import Annotated

    import msgspec

    from registry import validation

    def refusal(value: object, kind: object) -> str:
        try:
            msgspec.convert(value, type=kind, strict=False)
        except msgspec.ValidationError as error:
            return str(error)
        raise AssertionError("accepted")

    short = refusal("x" * 5, Annotated[str, msgspec.Meta(max_length=3)])
    assert validation.parameter_problem(short) == "Write at most 3 characters."
    assert validation.parameter_problem(refusal("abc", int)) == "Enter a whole number."
    many = refusal([1, 2, 3], Annotated[list[int], msgspec.Meta(max_length=2)])
    assert validation.parameter_problem(many) == "Choose at most 2 answers."
    ranged = refusal(0, Annotated[int, msgspec.Meta(ge=1)])
    assert validation.parameter_problem(ranged) == "This number is out of the range allowed."
    missing = "Missing required query parameter 'badge' for path /api/v1/verify"
    assert validation.missing_parameter(missing) == {
        "key": "badge", "source": "query", "message": "This parameter is required."}
    assert validation.parameter_problem("something msgspec never said") == (
        "This answer is not valid.")
