"""Pages that belong to no single capability: the home page and the language switch."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.params import Parameter, QueryParameter
from litestar.response import Redirect, Template

from registry.principles import services as principles
from registry.web import i18n
from registry.web.templating import local_path

ONE_YEAR = 365 * 24 * 3600


@get("/", include_in_schema=False)
async def home() -> Template:
    return Template("home.html", context={"in_force": await principles.version_in_force()})


@get("/language/{code:str}", include_in_schema=False)
async def choose_language(
    code: Annotated[str, Parameter(max_length=100)],
    next_path: Annotated[str, QueryParameter(name="next", max_length=2000)] = "/",
) -> Redirect:
    """Remember the reader's interface language, then go back to the page they were on."""
    if code not in i18n.CODES:
        raise NotFoundException(i18n.gettext("That language is not available."))
    return Redirect(
        path=local_path(next_path),
        status_code=303,
        cookies=[Cookie(key=i18n.COOKIE, value=code, max_age=ONE_YEAR, httponly=True,
                        samesite="lax", path="/")],
    )
