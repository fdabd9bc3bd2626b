"""What the browser journeys share: the runs (a language, JavaScript on or off), words
taken from the catalogues, tabs that record every request, and the checker that puts
every visited page through axe-core (WCAG 2.2 A and AA, light and dark colour schemes),
a reflow check at 320 CSS px, and screenshots of the main pages.

The checker works on snapshots: the HTML each journey's page shows is written into a
page of the registry in a JavaScript-enabled Chromium of the checker's own (the
stylesheet, the images and the Content-Security-Policy are the registry's). So a page
reached with JavaScript off, or only by a POST (a form with its errors, a receipt shown
once), is checked exactly as it was shown; and the journeys go on meanwhile.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Locator, Page, Response

from registry.translation import gettext, using
from tests.conftest import REPO

HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe-core's tags).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
REFLOW = {"width": 320, "height": 640}  # WCAG 1.4.10: 320 CSS px, no scrolling sideways


def screenshots_dir() -> Path:
    folder = Path(os.environ.get("REGISTRY_SCREENSHOTS") or REPO / "build" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- Runs: each journey in each language, and once with JavaScript off ----------------

@dataclass(frozen=True)
class Run:
    """One way through a journey: the language, how the person chose it (the browser's
    locale, or the language switch), and whether JavaScript is on."""

    language: str
    chosen_by: str = "locale"  # or "switch"
    javascript: bool = True

    @property
    def id(self) -> str:
        return f"{self.language}-{self.chosen_by}" + ("" if self.javascript else "-nojs")

    @property
    def locale(self) -> str:
        if self.chosen_by == "switch":
            return "en-GB"
        return {"en": "en-GB", "be": "be-BY", "ru": "ru-RU"}[self.language]


ALL_RUNS = [Run("en"), Run("be"), Run("ru", chosen_by="switch"),
            Run("be", chosen_by="switch", javascript=False)]


def chosen_runs() -> list[Run]:
    """Every run, or those REGISTRY_BROWSER_RUNS names (run ids, comma-separated): the
    languages and the layout do not depend on the database engine, so CI's second pass,
    on PostgreSQL, may take one run with JavaScript and the one without."""
    wanted = os.environ.get("REGISTRY_BROWSER_RUNS", "").replace(" ", "")
    if not wanted:
        return ALL_RUNS
    runs = [run for run in ALL_RUNS if run.id in wanted.split(",")]
    assert runs, f"REGISTRY_BROWSER_RUNS={wanted}: no such run (of {[r.id for r in ALL_RUNS]})"
    return runs


RUNS = chosen_runs()


def tr(language: str, message: str, **values: Any) -> str:
    """The catalogue's words for `message` in `language`, as a page shows them. A missing
    translation fails here: the page would show English, and the test would pass on it."""
    with using(language):
        text = gettext(message)
    if language != "en":
        assert text != message, f"no {language} translation in the catalogue of {message!r}"
    return text % values if values else text


# --- The served registry ---------------------------------------------------------------

class Served(NamedTuple):
    """A real `registry serve`: its address, its folder (var/outbox holds the mail when no
    SMTP server is configured), and the environment its commands need."""

    base: str
    folder: Path
    env: dict[str, str]

    def command(self, *args: str) -> list[str]:
        return [str(Path(sys.executable).with_name("registry")), *args]

    def cli(self, *args: str) -> str:
        done = subprocess.run(self.command(*args), cwd=self.folder,
                              env={**os.environ, **self.env}, capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, f"registry {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    def module(self, name: str, *args: str) -> None:
        """Run a helper module of the tests against the served database, from another
        process (as another worker or a command would)."""
        done = subprocess.run([sys.executable, "-m", name, *args], cwd=self.folder,
                              env={**os.environ, **self.env, "PYTHONPATH": str(REPO)},
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{name} {args}: {done.stdout}{done.stderr}"

    def link_mailed(self, to: str, pattern: str, *, seconds: float = 15) -> str:
        """The path of the newest link matching `pattern` in a mail to `to`. The server
        sends its outbox every half second (REGISTRY_OUTBOX_POLL_SECONDS); without SMTP
        configured, each mail becomes an .eml file in var/outbox. The mail names the
        configured public address; the served port differs, so the path is what counts."""
        deadline = time.monotonic() + seconds
        sent = False
        while True:
            if found := self._newest_link(to, pattern):
                return found
            if time.monotonic() > deadline:
                if sent:
                    raise AssertionError(f"no mail to {to} holds a link {pattern}")
                self.cli("outbox", "send")  # as the operator would, if the job lagged
                sent = True
            time.sleep(0.2)

    def _newest_link(self, to: str, pattern: str) -> str | None:
        mails = sorted((self.folder / "var" / "outbox").glob("*.eml"),
                       key=lambda p: p.stat().st_mtime_ns)
        for path in reversed(mails):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if to not in str(message["To"]):
                continue
            body = message.get_body(("plain",)).get_content()
            if found := re.search(rf"https?://[^/\s]+({pattern}\S*)", body):
                return found[1]
        return None


# --- Tabs: a journey's pages, each request recorded ------------------------------------

class Tab:
    """A page of one person's browser in a journey. Every request is recorded, and every
    page it comes to goes through the checker."""

    def __init__(self, context: BrowserContext, audit: Audit, run: Run | None = None,
                 who: str = "") -> None:
        self.context = context
        self.audit = audit
        self.run = run
        self.who = who
        context.set_default_timeout(10_000)  # a missing element fails soon, not in 30 s
        self.page: Page = context.new_page()
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.status: int | None = None
        self.page.on("request", lambda request: self.requests.append(request.url))
        # CSP violations show in the console; a failed load is told by its response below
        # (a form answered 400 with its errors is a page as it should be).
        self.page.on("console", lambda message: message.type == "error"
                     and not message.text.startswith("Failed to load resource")
                     and self.problems.append(f"{self.page.url}: console: {message.text}"))
        self.page.on("pageerror", lambda error: self.problems.append(f"{self.page.url}: {error}"))
        self.page.on("response", self._response)
        audit.tabs.append(self)

    def _response(self, response: Response) -> None:
        if response.request.resource_type == "document" and response.frame == self.page.main_frame:
            self.status = response.status
        elif response.status >= 400:
            self.problems.append(f"{self.page.url}: {response.url} answered {response.status}")

    @property
    def base(self) -> str:
        return self.audit.base

    def open(self, path: str, *, shot: str | None = None, check: bool = True) -> Tab:
        self.page.goto(path if path.startswith("http") else self.base + path)
        if check:
            self.audit.check(self, shot=shot)
        return self

    def follow(self, target: Locator, *, shot: str | None = None) -> Tab:
        """Click a link or a submit button and come to the page it leads to."""
        with self.page.expect_navigation():
            target.click()
        self.audit.check(self, shot=shot)
        return self

    def start(self, path: str, *, shot: str | None = None) -> Tab:
        """The first page of a person's visit, then the language of the run chosen."""
        assert self.run is not None
        self.open(path)
        self.choose_language(self.run)
        if shot:
            self.audit.check(self, shot=shot)
        return self

    def choose_language(self, run: Run) -> None:
        """As a person does: the browser's languages already asked for it, or the language
        switch in the header (a link to the same page in that language)."""
        if run.chosen_by == "switch" and self.lang != run.language:
            self.follow(self.page.locator(f"nav.languages a[lang='{run.language}']"))
        assert self.lang == run.language, (self.page.url, self.lang, run)

    @property
    def lang(self) -> str | None:
        return self.page.locator("html").get_attribute("lang")

    def main(self) -> str:
        return self.page.locator("main").inner_text()

    def h1(self) -> str:
        return self.page.locator("h1").inner_text()


# --- The checker -----------------------------------------------------------------------

VIOLATIONS = """async (only) => {
  const result = await axe.run(document, {runOnly: only, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
}"""

OVERFLOW = """(limit) => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const found = {scrollWidth: root.scrollWidth, clientWidth: width, widest: []};
  if (root.scrollWidth <= width) return found;
  const selector = (element) => {
    const parts = [];
    for (let node = element; node && node !== document.documentElement && parts.length < 5;
         node = node.parentElement) {
      let part = node.tagName.toLowerCase();
      if (node.id) { parts.unshift(part + '#' + node.id); break; }
      if (node.classList.length) part += '.' + [...node.classList].join('.');
      parts.unshift(part);
    }
    return parts.join(' > ');
  };
  const clipped = (element) => {
    for (let node = element.parentElement; node && node !== document.body;
         node = node.parentElement) {
      if (getComputedStyle(node).overflowX !== 'visible') return true;
    }
    return false;
  };
  const over = [];
  for (const element of document.body.querySelectorAll('*')) {
    const box = element.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 0.5 && !clipped(element)) over.push([element, box]);
  }
  // The innermost offenders tell the cause: an element whose descendant overflows too is
  // left out, and the same selector is counted once.
  const counted = new Map();
  for (const [element, box] of over) {
    if (over.some(([other]) => other !== element && element.contains(other))) continue;
    const key = selector(element);
    const seen = counted.get(key);
    if (seen) { seen.count += 1; continue; }
    counted.set(key, {selector: key, right: Math.round(box.right), width: Math.round(box.width),
                      count: 1});
  }
  found.widest = [...counted.values()].sort((a, b) => b.right - a.right).slice(0, limit);
  return found;
}"""

_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)\b([^>]*)>")
_CLASS = re.compile(r'\bclass="([^"]*)"')


def pattern_of(url: str) -> str:
    """The page's address with its identifiers left out: /register/*, /staff/cases/*."""
    parts = urlsplit(url)
    segments = ["*" if len(s) >= 16 or (len(s) >= 6 and re.search(r"\d", s)) else s
                for s in parts.path.split("/")]
    return "/".join(segments)


def skeleton_of(html: str) -> str:
    """The page's structure without its words: each kind of element with its classes, and
    the states a page shows (an error summary, a field in error, a verdict)."""
    found = set()
    for tag, attributes in _TAG.findall(html):
        classes = _CLASS.search(attributes)
        marks = [m for m in ("aria-invalid", 'role="alert"', "aria-current", "checked")
                 if m in attributes]
        found.add((tag.lower(), classes[1] if classes else "", *marks))
    return hashlib.sha256(repr(sorted(found)).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Snapshot:
    """What a journey's page showed: its address and its HTML."""

    url: str
    html: str
    shot: str | None  # the screenshots' name, for the main pages


class Checker:
    """Checks snapshots of the journeys' pages, in a JavaScript-enabled Chromium of its
    own on a thread of its own: the journeys go on while their pages are checked."""

    def __init__(self, chromium: str, args: list[str], base: str, axe_script: str,
                 shots: Path) -> None:
        self.chromium, self.args = chromium, args
        self.base = base
        self.axe_script = axe_script
        self.shots = shots
        self.requests: list[str] = []
        self.results: dict[tuple, list[str]] = {}
        self.checked = 0
        self.seconds = 0.0  # all the checker's time, and the parts of it
        self.parts: dict[str, float] = {"load": 0.0, "axe": 0.0, "shots": 0.0, "reflow": 0.0}
        self.queue: queue.Queue[tuple[Snapshot, Future] | None] = queue.Queue()
        self.started: Future[None] = Future()
        self.thread = threading.Thread(target=self._work, name="checker", daemon=True)
        self.thread.start()
        self.started.result(timeout=60)  # a Chromium that cannot start fails here

    def submit(self, tab: Tab, shot: str | None = None) -> Future[list[str]]:
        future: Future[list[str]] = Future()
        self.queue.put((Snapshot(tab.page.url, tab.page.content(), shot), future))
        return future

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join(timeout=120)

    def _work(self) -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=self.chromium,
                                                     args=self.args)
                context = browser.new_context(locale="en-GB", viewport=DESKTOP)
                self.page = context.new_page()
                self.page.on("request", lambda request: self.requests.append(request.url))
                # A page of the registry: its address and its CSP are those of every
                # snapshot written into it (no page of the registry runs a script).
                self.page.goto(f"{self.base}/")
                self.started.set_result(None)
                while (item := self.queue.get()) is not None:
                    snapshot, future = item
                    try:
                        future.set_result(self._check(snapshot))
                    except BaseException as error:  # told to the journey that waits for it
                        future.set_exception(error)
                browser.close()
        except BaseException as error:
            if not self.started.done():
                self.started.set_exception(error)
            raise

    def _timed(self, part: str, started: float) -> None:
        self.parts[part] += time.monotonic() - started

    def _load(self, html: str) -> None:
        """The snapshot written into the checker's one document (a page of the registry,
        with its Content-Security-Policy): axe-core, evaluated into it once, stays."""
        started = time.monotonic()
        self.page.set_viewport_size(DESKTOP)
        self.page.emulate_media(color_scheme="light")
        self.page.set_content(html, wait_until="load")
        if not self.page.evaluate("typeof axe === 'object'"):
            # Evaluated, not added as a <script>: the registry's CSP allows no script.
            self.page.evaluate(self.axe_script)
        self._timed("load", started)

    def _check(self, snapshot: Snapshot) -> list[str]:
        """What is wrong with the page (each distinct page checked once: the same kind of
        page, in the same language and state, is not checked again)."""
        started = time.monotonic()
        url, html, shot = snapshot.url, snapshot.html, snapshot.shot
        language = re.search(r'<html[^>]*\blang="([^"]*)"', html)
        lang = language[1] if language else "?"
        key = (lang, pattern_of(url), skeleton_of(html))
        known = self.results.get(key)
        if known is not None and not shot:
            return known
        self._load(html)
        if shot:
            self._shot(f"{shot}-{lang}-desktop")
        problems = list(known) if known is not None else self._axe(url, "light")
        self.page.emulate_media(color_scheme="dark")
        if known is None:
            problems += self._axe(url, "dark")
        if shot:
            self.page.emulate_media(color_scheme="light")
            self.page.set_viewport_size(PHONE)
            self._shot(f"{shot}-{lang}-phone")
        if known is None:
            self.page.set_viewport_size(REFLOW)
            problems += self._reflow(url)
            self.results[key] = problems
            self.checked += 1
        self.seconds += time.monotonic() - started
        return problems

    def _axe(self, url: str, scheme: str) -> list[str]:
        started = time.monotonic()
        violations = self.page.evaluate(VIOLATIONS, {"type": "tag", "values": WCAG_TAGS})
        self._timed("axe", started)
        return [f"axe {v['id']} ({v['impact']}, {scheme} scheme) at {url}: {v['help']}\n"
                + "\n".join(f"    {n['target']}: {n['summary']}".replace("\n", " ")
                            for n in v["nodes"][:8])
                for v in violations]

    def _reflow(self, url: str) -> list[str]:
        started = time.monotonic()
        found = self.page.evaluate(OVERFLOW, 8)
        self._timed("reflow", started)
        if found["scrollWidth"] <= found["clientWidth"]:
            return []
        widest = "\n".join(f"    {w['selector']} (right edge {w['right']} px, "
                           f"{w['width']} px wide" + (f", {w['count']} such" if w["count"] > 1
                                                      else "") + ")"
                           for w in found["widest"])
        return [f"reflow at {url}: {found['scrollWidth']} px wide at "
                f"{found['clientWidth']} px; the widest:\n{widest}"]

    def _shot(self, name: str) -> None:
        started = time.monotonic()
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)
        self._timed("shots", started)


@dataclass
class Audit:
    """One test's record: the tabs it opened and what the checker found on its pages."""

    checker: Checker
    base: str
    tabs: list[Tab] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    checks: list[Future[list[str]]] = field(default_factory=list)

    def check(self, tab: Tab, *, shot: str | None = None) -> None:
        if tab.run is not None and not tab.run.javascript:
            shot = None  # the same pages as with JavaScript: shown once is enough
        self.checks.append(self.checker.submit(tab, shot))

    def _collect(self) -> None:
        for future in self.checks:
            for problem in future.result(timeout=300):
                if problem not in self.problems:
                    self.problems.append(problem)
        self.checks.clear()

    def tab(self, browser: Browser, run: Run, *, who: str = "",
            storage_state: Any = None) -> Tab:
        context = browser.new_context(locale=run.locale, java_script_enabled=run.javascript,
                                      viewport=DESKTOP, storage_state=storage_state)
        return Tab(context, self, run, who)

    def foreign_requests(self) -> list[str]:
        requests: Iterable[str] = [url for tab in self.tabs for url in tab.requests]
        return [url for url in [*requests, *self.checker.requests]
                if not url.startswith((self.base + "/", "data:", "about:"))]

    def report(self) -> str:
        self._collect()
        lines = [*self.problems, *(p for tab in self.tabs for p in tab.problems)]
        if foreign := self.foreign_requests():
            lines.append(f"requests to other hosts: {sorted(set(foreign))}")
        return "\n".join(lines)

    def assert_clean(self) -> None:
        report = self.report()
        assert not report, f"the pages of this journey are not right:\n{report}"

    def close(self) -> None:
        for tab in self.tabs:
            tab.context.close()
