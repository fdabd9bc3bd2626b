"""Where the data that ships with the service (texts, templates, catalogues) is found.

In a source checkout they are top-level folders of the repository; an installed wheel
carries copies under `registry/_bundled/` (see pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    installed = PACKAGE_DIR / "_bundled" / name
    if installed.is_dir():
        return installed
    return PACKAGE_DIR.parent / name
