"""The browser tests' shared pieces, made once for the whole folder: one served registry
(on the run's database engine), one Chromium, one checker with axe-core, the staff
enrolled and logged in once, and signatories to complain about.

Chromium is Debian's (/usr/bin/chromium; never a downloaded one). axe-core comes from the
npm registry, pinned in package-lock.json, installed with `npm ci` when missing. In CI
(CI=true) a missing Chromium, npm or axe-core is an error, never a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from tests.accessions.test_submission import FORM
from tests.browser.harness import AXE, HERE, RUNS, Audit, Checker, Run, Served, screenshots_dir
from tests.conftest import IN_CI, empty_database_in_a_thread, keys_env
from tests.serving.server import running_registry

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
PASSWORD = "a long phrase of several words"
SETUP = Run("en")  # how the fixtures' own pages are visited


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def emptied(data_dir, database_url):
    """On PostgreSQL the server shares the test database: start it from empty tables,
    whatever earlier tests left (a version 1.1, for one)."""
    empty_database_in_a_thread(data_dir, database_url)


@pytest.fixture(scope="package")
def served(tmp_path_factory, data_dir, database_url, emptied) -> Iterator[Served]:
    # Served against the same database engine (and, there, with the run's keys).
    env = ({"REGISTRY_DATABASE_URL": database_url, **keys_env(data_dir)}
           if database_url.startswith("postgres") else {})
    # The mail a journey waits for goes out at once (to .eml files: no SMTP configured).
    env["REGISTRY_OUTBOX_POLL_SECONDS"] = "0.5"
    # Every journey comes from 127.0.0.1 within the hour: more than one person's share of
    # public actions (tests/accessions/test_no_relay.py checks the limit itself).
    env["REGISTRY_PUBLIC_ACTIONS_PER_CLIENT_PER_HOUR"] = "100000"
    folder = tmp_path_factory.mktemp("browser")
    with running_registry(folder, env=env) as base:
        yield Served(base, folder, env)


@pytest.fixture(scope="package")
def base_url(served: Served) -> str:
    return served.base


@pytest.fixture(scope="package")
def browser():
    if not Path(CHROMIUM).exists():
        if IN_CI:
            raise RuntimeError(f"browser tests need Chromium at {CHROMIUM}; .ci/run installs it")
        pytest.skip("Chromium is not installed (apt-get install chromium); CI runs these")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, base_url):
    """A plain page in English, for the short tests of test_pages.py."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.requests = []
    page.problems = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("console", lambda message: message.type in ("error", "warning")
            and page.problems.append(message.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    yield page
    context.close()


@pytest.fixture(scope="package")
def axe_script() -> str:
    """axe-core's source, installed from the npm registry as package-lock.json pins it."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            if IN_CI:
                raise RuntimeError("the accessibility checks need npm (Node.js) for axe-core")
            pytest.skip("npm is not installed: the accessibility checks need axe-core")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                              cwd=HERE, capture_output=True, text=True, timeout=300,
                              check=False)
        if done.returncode != 0 or not AXE.exists():
            message = f"npm ci in {HERE} failed:\n{done.stdout}{done.stderr}"
            if IN_CI:
                raise RuntimeError(message)
            pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="package")
def checker(browser, served: Served, axe_script: str) -> Iterator[Checker]:
    checker = Checker(CHROMIUM, ARGS, served.base, axe_script, screenshots_dir())
    yield checker
    checker.close()
    parts = ", ".join(f"{part} {seconds:.1f} s" for part, seconds in checker.parts.items())
    print(f"\nchecker: {checker.checked} distinct pages in {checker.seconds:.1f} s ({parts})")


@pytest.fixture
def audit(checker: Checker, served: Served) -> Iterator[Audit]:
    audit = Audit(checker, served.base)
    yield audit
    audit.close()


# --- Staff: created with the command line, enrolled and logged in once in the browser ---

@dataclass
class Member:
    key: str
    role: str
    name: str
    email: str
    secret: str = ""
    state: Any = None  # the logged-in browser's cookies (Playwright storage state)
    id: str = ""


@dataclass
class Staff:
    members: dict[str, Member]
    problems: list[str] = field(default_factory=list)  # what the checker found on their pages

    def __getitem__(self, key: str) -> Member:
        return self.members[key]


STAFF = [("secretariat", "secretariat", "Hanna Sekretar"),
         ("chair", "panel_chair", "Ales Starshynia"),
         ("first", "panel_member", "Maryia Pershaia"),
         ("second", "panel_member", "Siarhei Druhi"),
         ("third", "panel_member", "Volha Treciaia")]


def _log_in(browser: Any, audit: Audit, member: Member) -> None:
    tab = audit.tab(browser, SETUP, who=member.key)
    tab.open("/staff/login")
    tab.page.locator("input[name=email]").fill(member.email)
    tab.page.locator("input[name=password]").fill(PASSWORD)
    tab.follow(tab.page.locator("form.stacked-form button[type=submit]"))
    # The enrolment spent the current step's code: the next step's is as good.
    tab.page.locator("input[name=code]").fill(pyotp.TOTP(member.secret).at(time.time() + 30))
    tab.follow(tab.page.locator("form.stacked-form button[type=submit]"))
    assert tab.page.url == f"{audit.base}/staff", tab.page.url
    member.state = tab.context.storage_state()


@pytest.fixture(scope="package")
def staff(browser, served: Served, checker: Checker) -> Staff:
    """Five members: the secretariat, the panel's chair and three members. Each is created
    with `registry staff create`, enrols through the mailed link (password, TOTP) and
    logs in with password and TOTP, each in a browser of its own."""
    members = {key: Member(key, role, name, f"{key}-staff@staff.example")
               for key, role, name in STAFF}
    creating = {key: subprocess.Popen(
        served.command("staff", "create", "--email", m.email, "--name", m.name,
                       "--role", m.role),
        cwd=served.folder, env={**os.environ, **served.env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for key, m in members.items()}
    links = {}
    for key, process in creating.items():
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, f"staff create {key}: {out}{err}"
        links[key] = re.search(r"https?://\S+(/staff/enrol/\S+)", out)[1]
    audit = Audit(checker, served.base)
    try:
        for key, member in members.items():
            tab = audit.tab(browser, SETUP, who=key)
            tab.open(links[key])
            member.secret = tab.page.locator("code.secret").inner_text().strip()
            tab.page.locator("input[name=password]").fill(PASSWORD)
            tab.page.locator("input[name=password_again]").fill(PASSWORD)
            tab.page.locator("input[name=code]").fill(pyotp.TOTP(member.secret).now())
            tab.follow(tab.page.locator("form.stacked-form button[type=submit]"))
            assert tab.page.locator(".recovery-codes li").count() == 10
            _log_in(browser, audit, member)
        return Staff(members, problems=[audit.report()] if audit.report() else [])
    finally:
        audit.close()


# --- Signatories to complain about, accepted by the secretariat on the staff pages ------

@dataclass
class Signatory:
    id: str
    name: str
    email: str
    badge_id: str


class Signatories:
    """A fresh listed signatory with a badge, for each journey that needs one; made in a
    batch (one mail run) over the API, accepted through the staff pages."""

    def __init__(self, browser, served: Served, staff: Staff, checker: Checker) -> None:
        self.browser, self.served, self.staff, self.checker = browser, served, staff, checker
        self.ready: list[Signatory] = []
        self.made = 0
        self._shared: Signatory | None = None

    def shared(self) -> Signatory:
        """One signatory for journeys that change nothing about it."""
        if self._shared is None:
            self._shared = self.new()
        return self._shared

    def new(self) -> Signatory:
        if not self.ready:
            self.ready = self._batch(len(RUNS) + 1)
        return self.ready.pop(0)

    def _batch(self, count: int) -> list[Signatory]:
        base = self.served.base
        wanted = []
        for _ in range(count):
            self.made += 1
            name = f"Respondent Organisation {self.made:02d}"
            address = f"respondent-{self.made:02d}@respondent.example"
            submitted = httpx.post(f"{base}/api/v1/accessions", json={
                **FORM, "public_name": name, "contact_email": address,
                "legal_name": f"Public Association «{name}»"})
            assert submitted.status_code == 201, submitted.text
            wanted.append((submitted.json()["id"], name, address))
        for _, _, address in wanted:
            token = self.served.link_mailed(address, "/accede/confirm/").rsplit("/", 1)[1]
            assert httpx.post(f"{base}/api/v1/accessions/confirm",
                              json={"token": token}).is_success
        audit = Audit(self.checker, base)
        made = []
        try:
            desk = audit.tab(self.browser, SETUP, storage_state=self.staff["secretariat"].state)
            for accession, name, address in wanted:
                desk.page.goto(f"{base}/staff/accessions/{accession}")
                with desk.page.expect_navigation():
                    desk.page.locator(f"form[action='/staff/accessions/{accession}/approve'] "
                                      "button").click()
                [entry] = httpx.get(f"{base}/api/v1/signatories",
                                    params={"q": name}).json()["signatories"]
                page = httpx.get(f"{base}/register/{entry['id']}").text
                badge = re.search(r'src="/badges/([^".]+)\.svg"', page)[1]
                made.append(Signatory(entry["id"], name, address, badge))
        finally:
            audit.close()
        return made


@pytest.fixture(scope="package")
def signatories(browser, served: Served, staff: Staff, checker: Checker) -> Signatories:
    return Signatories(browser, served, staff, checker)


def run_params() -> Any:
    return pytest.mark.parametrize("run", RUNS, ids=[r.id for r in RUNS])


__all__ = ["Run", "run_params"]
