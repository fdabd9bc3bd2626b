"""Every response carries the security headers, and no page points at another host."""

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from litestar.testing import AsyncTestClient

from registry.app import create_app
from registry.web.security import HEADERS

PATHS = [
    "/", "/principles", "/principles/1.0", "/principles/1.0/11", "/principles/compare",
    "/principles/1.0.json", "/static/registry.css", "/static/mark.svg", "/nowhere",
    "/principles/1.0/99", "/api/v1/principles", "/api/v1/principles/0.0", "/healthz",
    "/readyz", "/schema/openapi.json", "/language/be",
]


@pytest.mark.parametrize("path", PATHS)
async def test_every_response_has_the_security_headers(client: AsyncTestClient, path: str):
    response = await client.get(path, follow_redirects=False)
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers  # plain HTTP here
    assert "server" not in response.headers or "uvicorn" not in response.headers["server"]


async def test_hsts_is_sent_over_https(synced):
    async with AsyncTestClient(app=create_app(synced), base_url="https://registry.test") as c:
        for path in ("/", "/static/registry.css", "/nowhere"):
            response = await c.get(path)
            assert response.headers["strict-transport-security"].startswith("max-age=63072000")


ATTRIBUTE = re.compile(r"""\b(src|href|action|srcset|poster|data)\s*=\s*["']([^"']*)["']""", re.I)


async def test_no_page_refers_to_another_host_and_none_has_inline_script(
    client: AsyncTestClient,
):
    """Crawl every page reachable from the home page and check each one."""
    seen: set[str] = set()
    queue = deque(["/"])
    while queue and len(seen) < 200:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = await client.get(path)
        assert response.status_code == 200, path
        if not response.headers["content-type"].startswith("text/html"):
            continue
        page = response.text
        assert not re.search(r"<script(?![^>]*\bsrc=)", page, re.I), f"inline script on {path}"
        assert not re.search(r"\sstyle\s*=", page, re.I), f"inline style on {path}"
        assert not re.search(r"\son[a-z]+\s*=", page, re.I), f"inline handler on {path}"
        for _, value in ATTRIBUTE.findall(page):
            target = urlsplit(urljoin("http://testserver.local" + path, value))
            assert target.netloc == "testserver.local", f"{path} refers to {value}"
            if target.path.startswith(("/principles", "/static", "/")) and not (
                target.path.startswith("/language/") or target.path.endswith((".json", ".md"))
            ):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    assert {"/", "/principles", "/principles/1.0", "/principles/1.0/11"} <= seen
    assert len(seen) > 20  # the crawl really walked the site
    css = (await client.get("/static/registry.css")).text
    assert "url(" not in css and "@import" not in css
