"""A Principles text as structured data, its canonical JSON form and its SHA-256.

The canonical form (principles/README.md documents it for outside verifiers) is the
document as JSON with keys sorted, no insignificant whitespace, UTF-8, non-ASCII
characters written as themselves and absent optional keys omitted. For this data
(strings, small integers, arrays, objects with ASCII keys) it is the RFC 8785 (JCS)
serialisation. The content hash is the lowercase hex SHA-256 of those bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from registry.canonical import canonical_json

CANONICAL_FORMAT: Final = "principles-registry/text/1"
VERSION_ID = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){1,2}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
FOOTNOTE_REF = re.compile(r"\[\^([0-9]{1,2})\]")
MAX_TEXT = 5000


class VersionStatus(StrEnum):
    draft = "draft"
    in_force = "in_force"
    superseded = "superseded"


class PrinciplesSourceError(ValueError):
    """A folder under principles/ is not a valid version; the message says what and where."""


def _clean(value: str) -> str:
    # Law text is compared and hashed byte for byte: refuse anything that would make two
    # texts look the same but hash differently, instead of quietly normalising it.
    if value != value.strip():
        raise ValueError("has leading or trailing whitespace")
    if "  " in value:
        raise ValueError("has two spaces in a row")
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise ValueError("has a control or invisible formatting character (or a line break)")
    if unicodedata.normalize("NFC", value) != value:
        raise ValueError("is not in Unicode NFC form")
    return value


Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(_clean)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContributorGroup(_Strict):
    people: tuple[Text, ...] = Field(min_length=1)
    organisation: Text | None = None

    def as_text(self) -> str:
        names = ", ".join(self.people)
        return f"{names} ({self.organisation})" if self.organisation else names


class Paragraph(_Strict):
    text: Text
    items: tuple[Text, ...] | None = Field(default=None, min_length=1)
    contributors: tuple[ContributorGroup, ...] | None = Field(default=None, min_length=1)


class PreambleSection(_Strict):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
    paragraphs: tuple[Paragraph, ...] = Field(min_length=1)


class Principle(_Strict):
    number: int = Field(ge=1, le=99, strict=True)
    title: Text
    paragraphs: tuple[Paragraph, ...] = Field(min_length=1)


class Footnote(_Strict):
    number: int = Field(ge=1, le=99, strict=True)
    text: Text


class ExplanatoryNote(_Strict):
    title: Text
    paragraphs: tuple[Paragraph, ...] = Field(min_length=1)
    footnotes: tuple[Footnote, ...] = ()


class Document(_Strict):
    """One language's text of one version: exactly what the content hash binds."""

    format: Literal["principles-registry/text/1"] = CANONICAL_FORMAT
    version: Annotated[str, Field(pattern=VERSION_ID.pattern)]
    language: Annotated[str, Field(pattern=LANGUAGE.pattern)]
    title: Text
    preamble: tuple[PreambleSection, ...] = ()
    principles_intro: Text | None = None
    principles: tuple[Principle, ...] = Field(min_length=1)
    explanatory_note: ExplanatoryNote | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Document:
        numbers = [principle.number for principle in self.principles]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"principles must be numbered 1, 2, 3... in order; found {numbers}")
        keys = [section.key for section in self.preamble]
        if len(set(keys)) != len(keys):
            raise ValueError(f"preamble section keys repeat: {keys}")
        defined = {note.number for note in self.explanatory_note.footnotes} if (
            self.explanatory_note
        ) else set()
        referenced = {int(n) for text in self.all_texts() for n in FOOTNOTE_REF.findall(text)}
        if referenced != defined:
            raise ValueError(
                f"footnote references {sorted(referenced)} do not match the footnotes "
                f"defined {sorted(defined)}"
            )
        return self

    def all_texts(self) -> list[str]:
        texts = [self.title]
        paragraphs: list[Paragraph] = [p for s in self.preamble for p in s.paragraphs]
        paragraphs += [p for principle in self.principles for p in principle.paragraphs]
        texts += [principle.title for principle in self.principles]
        if self.principles_intro:
            texts.append(self.principles_intro)
        if self.explanatory_note:
            paragraphs += list(self.explanatory_note.paragraphs)
            texts.append(self.explanatory_note.title)
        for paragraph in paragraphs:
            texts.append(paragraph.text)
            texts += list(paragraph.items or ())
        return texts

    def principle(self, number: int) -> Principle | None:
        if 1 <= number <= len(self.principles):
            return self.principles[number - 1]
        return None

    def canonical_json(self) -> bytes:
        return canonical_json(self.model_dump(mode="json", exclude_none=True))

    def content_hash(self) -> str:
        return hashlib.sha256(self.canonical_json()).hexdigest()

    @classmethod
    def from_canonical(cls, data: str | bytes) -> Document:
        return cls.model_validate(json.loads(data))


def version_sort_key(version_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version_id.split("."))


class _VersionFile(_Strict):
    version: Annotated[str, Field(pattern=VERSION_ID.pattern)]
    status: VersionStatus
    text_of_record: Annotated[str, Field(pattern=LANGUAGE.pattern)]
    adopted_on: date | None = None


@dataclass(frozen=True)
class TextSource:
    document: Document
    official: bool
    path: Path


@dataclass(frozen=True)
class VersionSource:
    """A version folder as read from disk: metadata plus one text per language."""

    version_id: str
    status: VersionStatus
    text_of_record: str
    adopted_on: date | None
    texts: dict[str, TextSource]
    folder: Path

    @property
    def record(self) -> TextSource:
        return self.texts[self.text_of_record]


def _describe(error: ValidationError, path: Path) -> str:
    lines = [f"{path}: not a valid Principles file:"]
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"  {where}: {item['msg']}")
    return "\n".join(lines)


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise PrinciplesSourceError(f"{path}: not valid TOML: {error}") from error
    except UnicodeDecodeError as error:
        raise PrinciplesSourceError(f"{path}: not UTF-8: {error}") from error


def load_version(folder: Path) -> VersionSource:
    version_path = folder / "version.toml"
    if not version_path.is_file():
        raise PrinciplesSourceError(f"{folder}: has no version.toml")
    try:
        meta = _VersionFile.model_validate(_read_toml(version_path))
    except ValidationError as error:
        raise PrinciplesSourceError(_describe(error, version_path)) from error
    if meta.version != folder.name:
        raise PrinciplesSourceError(
            f"{version_path}: says version {meta.version!r} but lives in folder {folder.name!r}"
        )
    texts: dict[str, TextSource] = {}
    for path in sorted(folder.glob("*.toml")):
        if path.name == "version.toml":
            continue
        data = _read_toml(path)
        official = data.pop("official", None)
        if not isinstance(official, bool):
            raise PrinciplesSourceError(f"{path}: needs `official = true` or `official = false`")
        try:
            document = Document.model_validate({**data, "version": meta.version})
        except ValidationError as error:
            raise PrinciplesSourceError(_describe(error, path)) from error
        if path.stem != document.language:
            raise PrinciplesSourceError(
                f"{path}: file name says {path.stem!r} but the text says language "
                f"{document.language!r}"
            )
        texts[document.language] = TextSource(document=document, official=official, path=path)
    if meta.text_of_record not in texts:
        raise PrinciplesSourceError(
            f"{version_path}: the text of record {meta.text_of_record!r} has no file "
            f"{meta.text_of_record}.toml"
        )
    return VersionSource(
        version_id=meta.version,
        status=meta.status,
        text_of_record=meta.text_of_record,
        adopted_on=meta.adopted_on,
        texts=texts,
        folder=folder,
    )


def load_all(root: Path) -> list[VersionSource]:
    """Every version under `root`, oldest first; refuses the whole set if one is invalid."""
    if not root.is_dir():
        raise PrinciplesSourceError(f"{root}: the Principles folder does not exist")
    versions = []
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        if not VERSION_ID.match(folder.name):
            raise PrinciplesSourceError(
                f"{folder}: folder names under principles/ must be version ids like 1.0"
            )
        versions.append(load_version(folder))
    versions.sort(key=lambda source: version_sort_key(source.version_id))
    in_force = [source.version_id for source in versions if source.status == "in_force"]
    if len(in_force) != 1:
        raise PrinciplesSourceError(
            f"{root}: exactly one version must have status in_force; found {in_force or 'none'}"
        )
    return versions
