"""Staff forms and API bodies. Form fields default to empty, so that a missing field is
refused by the service in words rather than by the framework with a 400."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from registry.validation import Form


class LoginForm(Form):
    SECRETS: ClassVar[frozenset[str]] = frozenset({"password"})  # compared, never shown

    email: str = Field(default="", max_length=320)
    password: str = Field(default="", max_length=1000)
    next: str = Field(default="/staff", max_length=500)


class CodeForm(Form):
    code: str = Field(default="", max_length=64)
    next: str = Field(default="/staff", max_length=500)


class EnrolForm(Form):
    SECRETS: ClassVar[frozenset[str]] = frozenset({"password", "password_again"})

    password: str = Field(default="", max_length=1000)
    password_again: str = Field(default="", max_length=1000)
    code: str = Field(default="", max_length=64)


class StaffMe(BaseModel):
    id: int
    name: str
    roles: list[str]
    permissions: list[str]


class AuditEventOut(BaseModel):
    id: int
    occurred_at: datetime
    actor: str
    tag: str
    subject: str | None
    details: dict[str, Any]
