"""Answers a route gave to a body, given again to the same body (registry/web/fast.py).

The verify API is asked again and again with the same credential (every page that shows
a badge's verdict asks it), and each answer costs a signature check, the live status and
a JSON model through the whole stack. A route of PATHS that says so (`keep`) has its
answer kept: the status, the headers and the body exactly as it sent them, for the same
address, body, content type and reader's language, while the change counter it names is
still at the value it read before answering, and for at most the seconds it said. Only a
200 is kept, and only for a body that declares its length and at most MAX_BODY; any
other request goes to the route as it came (its body passed on as read).
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from typing import Any, NamedTuple

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from registry.changes import counters
from registry.web import i18n

# Routes whose answers to a body may be kept (`keep`): the verify API, asked again and
# again with the same credential by every page that shows the badge's verdict.
PATHS = ("/api/v1/verify",)
MAX_BODY = 64 * 1024  # a larger body is never kept (nor read here): the route says
SIZE = 256
_KEEP = "registry_keep"  # the scope's state key where a route says its answer may be kept


class _Answer(NamedTuple):
    counter: str
    value: int  # the counter's value when the route began its answer
    until: float  # time.monotonic() after which it is not given again
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


_answers: OrderedDict[tuple, _Answer] = OrderedDict()


def keep(scope: Scope, *, counter: str, value: int, seconds: float) -> None:
    """Said by a route of PATHS: its answer to this request may be given again, to
    the same body in the same language, while `counter` is still at `value` (read
    before the answer was made) and for at most `seconds`."""
    scope.setdefault("state", {})[_KEEP] = (counter, value, seconds)


def forget() -> None:
    """Drop every kept answer (tests)."""
    _answers.clear()


async def _whole_body(scope: Scope, receive: Receive) -> bytes | None:
    """The body, if its declared length is small enough to keep; None (and nothing read)
    otherwise."""
    length = header(scope, b"content-length")
    if not (length.isascii() and length.isdigit()) or int(length) > MAX_BODY or header(
            scope, b"content-encoding") or header(scope, b"transfer-encoding"):
        return None
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` for the routes: the body already read, then what the client sends."""
    sent = False

    async def replay() -> Any:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def answer(scope: Scope, receive: Receive, send: Send, routes: ASGIApp, *,
                 site: tuple[str, str]) -> None:
    """The kept answer to this request, else the route's (kept if it says so). `site`
    (the database and base URL the app serves) is in the key: two apps of one process
    (tests) can have counters at the same values."""
    body = await _whole_body(scope, receive)
    if body is None:
        await routes(scope, receive, send)
        return
    key = (site, scope["path"], scope.get("query_string", b""), hashlib.sha256(body).digest(),
           len(body), header(scope, b"content-type"), i18n.language_of(scope))
    found = _answers.get(key)
    if found is not None and await _still(found):
        if key in _answers:  # (another request may have pushed it out meanwhile)
            _answers.move_to_end(key)
        await send({"type": "http.response.start", "status": found.status,
                    "headers": list(found.headers)})
        await send({"type": "http.response.body", "body": found.body, "more_body": False})
        return
    # What the route sends, as it sends it (the `before_send` hooks, outside, change the
    # message afterwards: the headers are copied first).
    status: list[int] = []
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def watched(message: Message) -> None:
        sent: Any = message
        if sent["type"] == "http.response.start":
            status.append(sent["status"])
            headers.extend(sent.get("headers") or ())
        elif sent["type"] == "http.response.body":
            chunks.append(sent.get("body", b""))
        await send(message)

    await routes(scope, _replaying(body, receive), watched)
    said = scope.get("state", {}).get(_KEEP)
    if said is not None and status == [200]:
        counter, value, seconds = said
        _answers[key] = _Answer(counter, value, time.monotonic() + seconds, 200, headers,
                                b"".join(chunks))
        _answers.move_to_end(key)
        while len(_answers) > SIZE:
            _answers.popitem(last=False)


async def _still(found: _Answer) -> bool:
    """Whether a kept answer may be given now (if the counter cannot be read, it may not:
    the route answers, and says what is wrong)."""
    if found.until <= time.monotonic():
        return False
    try:
        return found.value == await counters.current(found.counter)
    except Exception:
        return False


def header(scope: Scope, name: bytes) -> str:
    """A request header's value (the first), or ""."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""
