"""The JSON shapes of the Principles API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class TextSummary(BaseModel):
    language: str = Field(description="BCP 47 language code of this text.")
    official: bool = Field(description="Whether this text is official or a courtesy translation.")
    title: str
    content_hash: str = Field(description="SHA-256 (hex) of this text's canonical JSON.")
    canonical_url: str = Field(description="Where the canonical JSON bytes can be downloaded.")


class VersionSummary(BaseModel):
    version: str = Field(examples=["1.0"])
    status: str = Field(description="draft, in_force or superseded.")
    text_of_record: str = Field(description="The language whose text the version hash binds.")
    content_hash: str = Field(description="SHA-256 (hex) of the text of record's canonical JSON.")
    adopted_on: date | None
    in_force_from: datetime | None
    superseded_at: datetime | None
    texts: list[TextSummary]
    url: str
    html_url: str


class VersionDetail(VersionSummary):
    language: str = Field(description="The language of `content`.")
    content: dict[str, Any] = Field(
        description="The text as its canonical document: serialise it with sorted keys, "
        "no whitespace, UTF-8, and its SHA-256 is the text's content_hash."
    )
