"""The API says what it does: the OpenAPI document names every answer a route can give,
in the body it really has, and every constraint of its fields; a 405 says what is
allowed; HEAD works wherever GET does."""

import pytest
from litestar.testing import AsyncTestClient

# What each operation can answer besides its success (see the route decorators).
LINK = {400, 404, 409, 410, 413}
ERRORS = {
    ("post", "/api/v1/accessions"): {400, 409, 413, 429},
    ("post", "/api/v1/accessions/statement"): {400, 413},
    ("post", "/api/v1/accessions/resend"): {400, 413, 429},
    ("post", "/api/v1/accessions/withdrawal"): {400, 413, 429},
    ("post", "/api/v1/accessions/confirm"): LINK,
    ("post", "/api/v1/accessions/answer"): LINK,
    ("post", "/api/v1/accessions/reaffirm"): LINK,
    ("post", "/api/v1/accessions/withdraw"): LINK,
    ("post", "/api/v1/accessions/cancel-withdrawal"): LINK,
    ("post", "/api/v1/accessions/renew"): LINK,
    ("get", "/api/v1/signatories"): {400},
    ("get", "/api/v1/signatories/{signatory_id}"): {400, 404},
    ("get", "/api/v1/principles"): {400},
    ("get", "/api/v1/principles/{version}"): {400, 404},
    ("post", "/api/v1/verify"): {400, 404, 413},
    ("get", "/api/v1/badges/{badge_id}"): {400, 404},
    ("post", "/api/v1/complaints"): {400, 413, 429},
    ("post", "/api/v1/complaints/follow-up"): {400, 404, 413, 429},
    ("post", "/api/v1/complaints/messages"): {400, 404, 409, 413, 429},
    ("post", "/api/v1/complaints/appeal"): {400, 404, 409, 413, 429},
    ("get", "/api/v1/cases"): {400},
    ("get", "/api/v1/cases/{reference}"): {400, 404},
    ("get", "/api/v1/staff/me"): {400, 401, 403},
    ("get", "/api/v1/staff/audit"): {400, 401, 403},
    ("get", "/readyz"): {400, 503},
}


@pytest.fixture
async def schema(client: AsyncTestClient) -> dict:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def _component(schema: dict, ref_or_schema: dict) -> dict:
    ref = ref_or_schema.get("$ref", "")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else ref_or_schema


async def test_every_api_operation_documents_the_errors_it_can_answer(schema: dict):
    for (method, path), statuses in ERRORS.items():
        responses = schema["paths"][path][method]["responses"]
        documented = {int(code) for code in responses if int(code) >= 400}
        assert documented == statuses, (method, path, sorted(documented))
        for code in statuses:
            body = responses[str(code)]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, code)


async def test_the_badge_images_and_lists_document_their_pages_and_304(schema: dict):
    for path in ("/badges/{name}", "/status/{purpose}"):
        responses = schema["paths"][path]["get"]["responses"]
        assert {"200", "304", "400", "404"} <= set(responses), path
        assert "text/html" in responses["404"]["content"]  # an error page, as sent


def _matches(schema: dict, body: dict, error_body: dict) -> None:
    """The body has exactly what the documented error body allows, of the right types."""
    properties = error_body["properties"]
    assert set(error_body["required"]) <= set(body) <= set(properties), body
    assert isinstance(body["status_code"], int) and isinstance(body["detail"], str)
    for problem in body.get("errors") or []:
        allowed = _component(schema, properties["errors"]["oneOf"][0]["items"])
        assert set(problem) <= set(allowed["properties"]), problem


async def test_the_documented_error_body_is_what_is_sent(client: AsyncTestClient,
                                                         schema: dict):
    error_body = schema["components"]["schemas"]["ErrorBody"]
    invalid = await client.post("/api/v1/accessions/confirm", json={"token": "x"})
    assert invalid.status_code == 400 and invalid.json()["errors"]
    unknown = await client.post("/api/v1/accessions/confirm", json={"token": "x" * 40})
    assert unknown.status_code == 404
    refused = await client.post("/api/v1/complaints", json={
        "kind": "complaint", "respondent": "nobody", "principles": [1],
        "account": "What happened, said at some length."})
    assert refused.status_code == 400 and refused.json()["field"] == "respondent"
    for response in (invalid, unknown, refused):
        _matches(schema, response.json(), error_body)


async def test_field_constraints_are_in_the_schema(schema: dict):
    components = schema["components"]["schemas"]
    complaint = components["ComplaintIn"]["properties"]
    assert complaint["respondent"]["pattern"] == "^[A-Za-z0-9_-]+$"
    assert complaint["principles"]["items"] == {"type": "integer", "minimum": 1,
                                                "maximum": 15}
    accession = components["AccessionForm"]["properties"]
    assert "BY" in accession["country"]["enum"] and "EU" not in accession["country"]["enum"]
    assert accession["applicant_signature"]["maxLength"] == 4000
    verify = components["VerifyRequest"]["properties"]
    assert verify["badge_id"]["pattern"] == "^[A-Za-z0-9_-]{1,40}$"
    assert verify["badge_id"]["maxLength"] == 40 and verify["credential"]["maxLength"] > 0


async def test_the_schema_constraints_are_those_enforced(client: AsyncTestClient):
    """What the schema says is refused, is refused (and said against its field)."""
    base = {"kind": "complaint", "respondent": "abc", "principles": [1],
            "account": "What happened, said at some length."}
    for change, field in (({"respondent": "a b"}, "respondent"),
                          ({"principles": [16]}, "principles")):
        response = await client.post("/api/v1/complaints", json={**base, **change})
        assert response.status_code == 400, change
        assert [e["key"] for e in response.json()["errors"]] == [field]
    response = await client.post("/api/v1/verify", json={"badge_id": "a b"})
    assert response.status_code == 400


@pytest.mark.parametrize(("path", "allowed"), [
    ("/api/v1/principles", {"GET", "HEAD"}),
    ("/principles/1.0", {"GET", "HEAD"}),
    ("/api/v1/accessions", {"POST"}),
    ("/accede/", {"GET", "HEAD", "POST"}),
])
async def test_a_405_says_what_is_allowed(client: AsyncTestClient, path: str,
                                          allowed: set[str]):
    response = await client.request("PATCH", path)
    assert response.status_code == 405
    said = {method.strip() for method in response.headers["allow"].split(",")}
    assert said - {"OPTIONS"} == allowed, said


@pytest.mark.parametrize("path", [
    "/principles/1.0", "/api/v1/principles", "/api/v1/principles/1.0", "/healthz",
    "/register", "/static/registry.css", "/schema/openapi.json", "/.well-known/jwks.json",
])
async def test_head_answers_as_get_without_a_body(client: AsyncTestClient, path: str):
    got = await client.get(path)
    head = await client.head(path)
    assert got.status_code == 200
    assert head.status_code == 200, head.status_code
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers.get("content-length") == str(len(got.content))


async def test_head_of_a_missing_page_is_its_404_without_a_body(client: AsyncTestClient):
    head = await client.head("/principles/9.9")
    assert head.status_code == 404 and head.content == b""
    post_only = await client.head("/api/v1/accessions")
    assert post_only.status_code == 405 and "HEAD" not in post_only.headers["allow"]


async def test_head_is_guarded_as_get_is(client: AsyncTestClient):
    for path in ("/api/v1/staff/me", "/staff"):
        got = await client.get(path, follow_redirects=False)
        head = await client.head(path, follow_redirects=False)
        assert head.status_code == got.status_code != 200, path
        assert head.headers.get("location") == got.headers.get("location")
        assert head.content == b""
