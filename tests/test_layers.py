"""The rules know nothing of the web: only the HTTP layer imports Litestar or registry.web.

The HTTP layer is the controllers, registry/web/, the staff guards and the app itself.
Everything else (rules, mails, the command line) says what it refuses with a refusal
of a kind (registry/refusals.py) and marks its words with registry.translation.N_.
"""

from __future__ import annotations

import ast
from pathlib import Path

import registry

PACKAGE = Path(registry.__file__).resolve().parent
WEB = ("litestar", "registry.web")


def _is_http_layer(path: Path) -> bool:
    relative = path.relative_to(PACKAGE).as_posix()
    return (path.name == "controllers.py" or path.name.endswith("_controllers.py")
            or relative.startswith("web/") or relative in ("staff/guards.py", "app.py"))


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_only_the_http_layer_imports_the_web():
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "_bundled" in path.parts or _is_http_layer(path):
            continue
        web = sorted(name for name in _imports(path)
                     if any(name == top or name.startswith(f"{top}.") for top in WEB))
        if web:
            offenders[path.relative_to(PACKAGE).as_posix()] = web
    assert not offenders, offenders
