"""HTTP for the Principles: the pages, the downloads and the JSON API. No rules here."""

from __future__ import annotations

import re
from typing import Annotated

from litestar import Controller, MediaType, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter, QueryParameter
from litestar.response import Template

from registry.principles import diff, markdown, services
from registry.principles.document import VERSION_ID, Document
from registry.principles.schemas import TextSummary, VersionDetail, VersionSummary
from registry.principles.services import VersionInfo
from registry.web import csrf, errors, rendered
from registry.web.i18n import current as current_language
from registry.web.i18n import gettext as _

_DOWNLOAD = re.compile(r"^(?P<version>[0-9.]{3,11})\.(?P<format>json|md)$")
_NUMBER = re.compile(r"^[0-9]{1,2}$")


async def _version_or_404(version_id: str) -> VersionInfo:
    version = await services.get_version(version_id) if VERSION_ID.match(version_id) else None
    if version is None:
        raise NotFoundException(_("There is no version %(version)s of the Principles.")
                                % {"version": version_id[:20]})
    return version


def _language_or_404(version: VersionInfo, language: str | None) -> str:
    if language is None:
        return version.text_of_record
    if version.text(language) is None:
        raise NotFoundException(_("Version %(version)s has no text in that language.")
                                % {"version": version.version_id})
    return language


def _default_text(version: VersionInfo) -> str:
    """The reader's interface language where a text exists in it, else the text of record."""
    return current_language() if version.text(current_language()) else version.text_of_record


def _summary(version: VersionInfo) -> dict:
    return {
        "version": version.version_id,
        "status": version.status.value,
        "text_of_record": version.text_of_record,
        "content_hash": version.content_hash,
        "adopted_on": version.adopted_on,
        "in_force_from": version.in_force_from,
        "superseded_at": version.superseded_at,
        "texts": [
            TextSummary(
                language=text.language, official=text.official, title=text.title,
                content_hash=text.content_hash,
                canonical_url=f"/principles/{version.version_id}.json?text={text.language}",
            )
            for text in version.texts
        ],
        "url": f"/api/v1/principles/{version.version_id}",
        "html_url": f"/principles/{version.version_id}",
    }


class PrinciplesApi(Controller):
    path = "/api/v1/principles"
    tags = ["principles"]  # noqa: RUF012 - Litestar reads this class attribute as it is

    @get("/", responses=errors.answers())
    async def list_versions(self) -> list[VersionSummary]:
        """Every version of the Principles, newest first, with status, dates and hashes."""
        return [VersionSummary(**_summary(v)) for v in await services.list_versions()]

    @get("/{version:str}", responses=errors.answers(404))
    async def version(
        self,
        version: Annotated[str, Parameter(max_length=200, description="A version id, e.g. 1.0")],
        language: Annotated[str | None, Parameter(max_length=20)] = None,
    ) -> VersionDetail:
        """One version with its full text (the text of record unless `language` is given)."""
        found = await _version_or_404(version)
        chosen = _language_or_404(found, language)
        document = await services.load_text(found, chosen)
        return VersionDetail(**_summary(found), language=chosen,
                             content=document.model_dump(mode="json", exclude_none=True))


class PrinciplesPages(Controller):
    path = "/principles"
    include_in_schema = False

    @get("/")
    async def index(self) -> Template:
        versions = await services.list_versions()
        return Template("principles/index.html", context={"versions": versions})

    @get("/compare")
    async def compare(
        self,
        from_version: Annotated[str | None, QueryParameter(name="from", max_length=200)] = None,
        to_version: Annotated[str | None, QueryParameter(name="to", max_length=200)] = None,
    ) -> Template:
        versions = await services.list_versions()
        context: dict = {"versions": versions, "old": None, "new": None, "diffs": None}
        if from_version and to_version:
            old, new = await _version_or_404(from_version), await _version_or_404(to_version)
            old_text = await services.load_text(old, old.text_of_record)
            new_text = await services.load_text(new, new.text_of_record)
            context.update(old=old, new=new, diffs=diff.compare(old_text, new_text))
        elif versions:
            in_force = next((v for v in versions if v.status == "in_force"), versions[0])
            context.update(from_default=versions[-1].version_id,
                           to_default=in_force.version_id)
        return Template("principles/compare.html", context=context)

    # Kept rendered, the same for every reader: no form, so no CSRF cookie (web/csrf.py).
    @get("/{version:str}", opt={csrf.EXCLUDE: True})
    async def version(
        self,
        request: Request,
        version: Annotated[str, Parameter(max_length=10_000)],
        text: Annotated[str | None, Parameter(max_length=20)] = None,
    ) -> Template | Response:
        return await rendered.page(request, services.CHANGES,
                                   lambda: self._version(version, text))

    async def _version(self, version: str, text: str | None) -> Template | Response:
        download = _DOWNLOAD.match(version)
        found = await _version_or_404(download["version"] if download else version)
        language = _language_or_404(found, text) if text or download else _default_text(found)
        document = await services.load_text(found, language)
        info = found.text(language)
        assert info is not None
        if download and download["format"] == "json":
            return Response(document.canonical_json(), media_type=MediaType.JSON,
                            headers=_attachment(found, language, "json"))
        if download:
            body = markdown.render(document, status=found.status, content_hash=info.content_hash)
            return Response(body, media_type="text/markdown; charset=utf-8",
                            headers=_attachment(found, language, "md"))
        return Template("principles/version.html",
                        context=_page_context(found, document, language))

    @get("/{version:str}/{number:str}", opt={csrf.EXCLUDE: True})  # (as the version's)
    async def principle(
        self,
        request: Request,
        version: Annotated[str, Parameter(max_length=10_000)],
        number: Annotated[str, Parameter(max_length=10_000)],
        text: Annotated[str | None, Parameter(max_length=20)] = None,
    ) -> Template | Response:
        return await rendered.page(request, services.CHANGES,
                                   lambda: self._principle(version, number, text))

    async def _principle(self, version: str, number: str, text: str | None) -> Template:
        found = await _version_or_404(version)
        language = _language_or_404(found, text) if text else _default_text(found)
        document = await services.load_text(found, language)
        principle = document.principle(int(number)) if _NUMBER.match(number) else None
        if principle is None:
            raise NotFoundException(
                _("The Principles (version %(version)s) have no principle numbered "
                  "%(number)s; they are numbered 1 to %(count)s.")
                % {"version": found.version_id, "number": number[:10],
                   "count": len(document.principles)})
        context = _page_context(found, document, language)
        context["principle"] = principle
        return Template("principles/principle.html", context=context)


def _attachment(version: VersionInfo, language: str, extension: str) -> dict[str, str]:
    name = f"principles-{version.version_id}-{language}.{extension}"
    return {"content-disposition": f'attachment; filename="{name}"'}


def _page_context(version: VersionInfo, document: Document, language: str) -> dict:
    return {"version": version, "document": document, "text": version.text(language),
            "language": language}
