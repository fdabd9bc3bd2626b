"""Pages that change only when a change counter moves, kept rendered.

A page of the Principles is the same for every reader of one language until the next
sync: rendering its template for each request made it a hundred times slower than a bare
route. Here the rendered HTML is kept, keyed on the address asked for (path and query),
the reader's language and the counter's value (registry/changes), so that a change seen
by any process is served at once after `counters.current` sees it (on PostgreSQL at once,
on SQLite within a second). Only what the template makes is kept: headers (the language
variation, the security headers) are added around it for each request, and errors are
never kept. Bounded: the least recently used page goes first. Once kept, a page is
answered by registry/web/fast.py before any routing (`kept`), as the route would.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from litestar import MediaType, Request, Response
from litestar.response import Template
from litestar.types import Scope

from registry.changes import counters
from registry.web import i18n

SIZE = 256  # pages: a version and its 15 principles, in 3 languages, for a few versions



class Kept(NamedTuple):
    counter: str  # the change counter the page was made at a value of
    value: int
    html: bytes


_kept: OrderedDict[tuple[str, str, bytes, str], Kept] = OrderedDict()


def _key(database_url: str, scope: Scope, language: str) -> tuple[str, str, bytes, str]:
    # The database too: counters of two databases (a restored copy, tests) can meet.
    return database_url, scope["path"], scope.get("query_string", b""), language


async def kept(database_url: str, scope: Scope, language: str) -> bytes | None:
    """The kept HTML of the page this request asks for in `language`, if it is still
    the page: its counter has not moved since."""
    found = _kept.get(_key(database_url, scope, language))
    if found is None or found.value != await counters.current(found.counter):
        return None
    return found.html


def _render(request: Request, template: Template) -> str:
    engine = request.app.template_engine
    assert engine is not None and template.template_name is not None
    context = template.create_template_context(request)
    return engine.get_template(template.template_name).render(**context)


async def page(request: Request, counter: str,
               make: Callable[[], Awaitable[Template | Response]]) -> Template | Response:
    """The page `make` gives for this request, rendered once per value of `counter`. A
    `Response` that `make` returns (a download) is passed on as it is, and not kept."""
    key = _key(request.app.state.settings.database_url, request.scope, i18n.current())
    now = await counters.current(counter)
    found = _kept.get(key)
    if found is not None and found.value == now:
        _kept.move_to_end(key)
        return Response(found.html, media_type=MediaType.HTML)
    made = await make()
    if not isinstance(made, Template) or made.status_code not in (None, 200):
        return made
    html = _render(request, made).encode("utf-8")
    _kept[key] = Kept(counter, now, html)
    _kept.move_to_end(key)
    while len(_kept) > SIZE:
        _kept.popitem(last=False)
    return Response(html, media_type=MediaType.HTML)


def forget() -> None:
    """Drop every kept page (tests)."""
    _kept.clear()
