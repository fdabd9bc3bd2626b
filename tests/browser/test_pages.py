"""The pages in a real browser (Debian's Chromium driven by Playwright).

The browser records every request a page makes and every console message: a request
to any other host, or a Content-Security-Policy violation, fails the test.
"""

import os
import time
from pathlib import Path

import pytest

from registry.changes.counters import POLL_SECONDS
from tests.conftest import REPO

pytestmark = pytest.mark.browser

# The served registry, the browser and `page` are the folder's (tests/browser/conftest.py).
# Reading the Principles and filing a complaint without JavaScript are journeys now
# (test_principles_journey.py, test_complaint_journey.py), in every language.


def assert_only_own_requests(page, base_url):
    foreign = [url for url in page.requests if not url.startswith(base_url)]
    assert not foreign, f"requests to other hosts: {foreign}"
    assert not page.problems, f"console errors (CSP violations show here): {page.problems}"


def test_language_switch_and_comparison_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{base_url}/principles/1.0/3")
    page.get_by_role("link", name="Русский").click()
    page.wait_for_url(f"{base_url}/principles/1.0/3")
    assert page.locator("html").get_attribute("lang") == "ru"
    page.goto(f"{base_url}/principles/compare")
    page.locator("button[type=submit]").click()
    assert "Основные тексты этих двух версий совпадают." in page.locator("main").inner_text()
    assert all(url.startswith(base_url) for url in requests), requests
    context.close()


def test_an_unknown_page_is_a_real_404_page(page, base_url):
    response = page.goto(f"{base_url}/principles/1.0/16")
    assert response.status == 404
    assert "numbered 1 to 15" in page.locator("main").inner_text()
    foreign = [url for url in page.requests if not url.startswith(base_url)]
    assert not foreign


def test_a_staff_member_enrols_and_logs_in_without_javascript(browser, served):
    """The whole staff flow in a real browser: link from the command line, password and
    second factor, recovery codes, login with a code, logout. CSRF tokens included."""
    import re
    import subprocess
    import sys
    import time

    import pyotp

    base, folder, env = served
    created = subprocess.run(
        [str(Path(sys.executable).with_name("registry")), "staff", "create",
         "--email", "browser@example.org", "--name", "Browser Person", "--role", "admin"],
        cwd=folder, env={**os.environ, **env}, capture_output=True, text=True, check=True)
    link = re.search(r"http://\S+/staff/enrol/\S+", created.stdout)[0]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(link.replace("http://127.0.0.1:8000", base))
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Password", exact=True).fill("a long phrase of several words")
    page.get_by_label("The same password again").fill("a long phrase of several words")
    page.get_by_label("The 6-digit code the app shows now").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Finish").click()
    assert page.locator("h1").inner_text() == "Your account is ready"
    assert page.locator(".recovery-codes li").count() == 10

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("E-mail address").fill("browser@example.org")
    page.get_by_label("Password").fill("a long phrase of several words")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label(re.compile("6-digit code")).fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/staff")
    assert "Logged in as Browser Person." in page.locator("main").inner_text()
    page.get_by_role("link", name="Audit events").click()
    assert "staff:login:succeeded" in page.locator("main").inner_text()
    page.goto(f"{base}/staff")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}/staff/login")
    page.goto(f"{base}/staff")
    assert page.url.startswith(f"{base}/staff/login")
    assert all(url.startswith((base, "data:")) for url in requests), requests
    context.close()


def test_a_badge_in_a_browser_carries_a_readable_qr_code_and_tells_the_truth(
        browser, served, tmp_path):
    """From an accession to the badge on the register page: the SVG as Chromium draws it
    holds a QR code a real decoder reads, and its page follows a suspension at once."""
    import email
    import email.policy
    import re
    import subprocess
    import sys

    import httpx
    import zxingcpp
    from PIL import Image

    from tests.accessions.test_submission import FORM

    base, folder, env = served
    registry = [str(Path(sys.executable).with_name("registry"))]

    def cli(*args: str) -> str:
        done = subprocess.run([*registry, *args], cwd=folder, env={**os.environ, **env},
                              capture_output=True, text=True, check=True)
        return done.stdout

    form = {**FORM, "public_name": "Badge Browser Test", "contact_email": "badge@example.org"}
    submitted = httpx.post(f"{base}/api/v1/accessions", json=form)
    assert submitted.status_code == 201, submitted.text
    cli("outbox", "send")  # without SMTP configured, mail goes to .eml files
    mails = sorted((folder / "var" / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime)
    message = email.message_from_bytes(mails[-1].read_bytes(), policy=email.policy.default)
    body = message.get_body(("plain",)).get_content()
    token = re.search(r"/accede/confirm/(\S+)", body)[1]
    assert httpx.post(f"{base}/api/v1/accessions/confirm", json={"token": token}).is_success
    signatory = re.search(r"signatory (\S+)\.", cli("accessions", "approve",
                                                    submitted.json()["id"]))[1]

    page = browser.new_context(locale="en-GB", java_script_enabled=False).new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{base}/register/{signatory}")
    image = page.locator("img[src^='/badges/']")
    image.screenshot(path=tmp_path / "badge.png")
    [code] = zxingcpp.read_barcodes(Image.open(tmp_path / "badge.png"))
    badge_id = code.text.rsplit("/verify/", 1)[1]
    assert page.locator("textarea.embed").input_value().startswith("<a href=")
    page.goto(f"{base}/verify/{badge_id}")
    assert "Valid: every check holds." in page.inner_text("main")
    # As a final decision of the ethics panel would, from another process.
    subprocess.run([sys.executable, "-m", "tests.serving.suspend", signatory, "2099-01-01"],
                   cwd=folder, env={**os.environ, **env, "PYTHONPATH": str(REPO)},
                   check=True)
    # Another process's change: heard at once on PostgreSQL, within the poll on SQLite.
    time.sleep(POLL_SECONDS + 0.2)
    page.reload()
    text = page.inner_text("main")
    assert "Not valid." in text and "Suspended: the status list says so." in text
    page.locator("img[src^='/badges/']").screenshot(path=tmp_path / "suspended.png")
    assert zxingcpp.read_barcodes(Image.open(tmp_path / "suspended.png"))[0].text == code.text
    assert all(url.startswith(base) for url in requests), requests
