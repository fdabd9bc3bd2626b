"""The words for coded values (registry/labels.py): every value of every enum a person
may read has a label, every label is translated, and pages show the label, never the
code."""

from __future__ import annotations

import importlib
import pkgutil
import re
from enum import StrEnum

import pytest
from babel.messages.pofile import read_po

import registry
from registry import labels
from registry.accessions.tables import AccessionStatus
from registry.audit.services import SYSTEM
from registry.badges import services as badges
from registry.web import i18n
from tests.accessions.test_lifecycle import accepted
from tests.factories import staff_get, staff_session

# Every enum whose values a person reads, and the vocabularies that say them: those
# registry/labels.py declares for an enum.
SHOWN: dict[type[StrEnum], list[labels.Vocabulary]] = {}
for _vocabulary in labels.VOCABULARIES.values():
    if _vocabulary.enum is not None:
        SHOWN.setdefault(_vocabulary.enum, []).append(_vocabulary)
# Enums that only machines read (tags, permissions, link purposes, a session's step,
# the outbox's state, why a login failed): codes in the audit trail, URLs and logs.
MACHINE_ONLY = {"EventTag", "Permission", "LinkPurpose", "SessionStage", "MessageStatus",
                "FailureReason"}


def _catalogue(code: str) -> dict[str, str]:
    with (i18n.LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id and isinstance(m.id, str)}


def test_every_enum_a_person_reads_has_a_vocabulary():
    """A new StrEnum anywhere in the registry is either shown (and so has labels here)
    or named as read by machines only."""
    found = set()
    for module in pkgutil.walk_packages(registry.__path__, "registry."):
        if "piccolo_migrations" in module.name:
            continue
        for value in vars(importlib.import_module(module.name)).values():
            if (isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum
                    and value.__module__.startswith("registry.")):
                found.add(value)
    unknown = {enum.__name__ for enum in found if enum not in SHOWN} - MACHINE_ONLY
    assert not unknown, f"label these in registry/labels.py, or name them MACHINE_ONLY: {unknown}"


def test_the_vocabularies_cover_the_enums_people_read():
    names = {enum.__name__ for enum in SHOWN}
    assert names >= {"AccessionStatus", "Kind", "RegistrationStatus", "Listing", "Role",
                     "StaffStatus", "CaseKind", "Stage", "Outcome", "InadmissibleReason",
                     "Instance", "DecisionStatus", "InterestKind", "VersionStatus"}
    assert len(SHOWN[next(e for e in SHOWN if e.__name__ == "Stage")]) == 2


@pytest.mark.parametrize("enum", list(SHOWN), ids=lambda enum: enum.__name__)
def test_every_value_has_a_label(enum: type[StrEnum]):
    for vocabulary in SHOWN[enum]:
        missing = [value.value for value in enum if value.value not in vocabulary.words]
        assert not missing, (vocabulary.name, missing)
        assert set(vocabulary.codes) >= {value.value for value in enum}
    for vocabulary in labels.VOCABULARIES.values():
        assert set(vocabulary.codes) <= set(vocabulary.words), vocabulary.name


def test_the_register_history_has_a_label_for_every_accession_fact():
    from registry.facts.kinds import AccessionFact, Fact
    events = {kind.split(":", 1)[1] for kind, fact in Fact.kinds.items()
              if issubclass(fact, AccessionFact)}
    assert events and events <= set(labels.REGISTER_EVENT.words)


@pytest.mark.parametrize("code", ["be", "ru"])
def test_every_label_is_translated(code: str):
    """A label shown untranslated is the English word on a Belarusian or Russian page."""
    catalogue = _catalogue(code)
    untranslated = sorted({msgid for vocabulary in labels.VOCABULARIES.values()
                           for msgid in vocabulary.words.values()
                           if not catalogue.get(msgid)})
    assert not untranslated, (code, untranslated)


def test_a_label_is_said_in_the_current_language_and_a_code_never_raises():
    with i18n.using("en"):
        assert labels.ACCESSION_STATUS("pending_review") == "waiting for review"
        assert labels.label("superseded", "accession_status") == (
            "superseded (a new version is in force)")
        assert labels.label(None, "stage") == ""
        assert labels.label("no_such_code", "stage") == "no_such_code"
    with i18n.using("be"):
        word = labels.ACCESSION_STATUS(AccessionStatus.active)
    assert word == i18n.translations("be").gettext("active") and word != "active"
    coded = labels.ACCESSION_STATUS.coded("active")
    assert str(coded) == "active" and coded.text(i18n.translations("ru").gettext) != "active"


def _said(code: str, message: str, **values: str) -> str:
    with i18n.using(code):
        return i18n.gettext(message) % values if values else i18n.gettext(message)


@pytest.mark.parametrize("code", ["be", "ru"])
async def test_pages_show_the_word_not_the_code(client, synced, code: str):
    """The register, the badge's verification page and the staff screens say a status,
    a country and a listing in the reader's language (it once said "Далучэнне active.")."""
    signatory = await accepted(client, synced, contact_email=f"{code}@example.org")
    active = _said(code, "active")
    assert active != "active"
    client.cookies.set("lang", code)
    try:
        await _look(client, synced, code, signatory, active)
    finally:
        client.cookies.delete("lang")


async def _look(client, synced, code: str, signatory: str, active: str) -> None:
    page = (await client.get(f"/register/{signatory}")).text
    facts = page[page.index('<dl class="facts">'):page.index("</dl>")]
    assert active in facts and ">active<" not in facts
    assert {"be": "Літва", "ru": "Литва"}[code] in facts and ">LT<" not in facts

    badge = await badges.badge_of_signatory(signatory)
    verify = (await client.get(f"/verify/{badge}")).text
    assert _said(code, "The accession is %(status)s now.", status=active) in verify
    assert _said(code, "The accession is %(status)s.", status=active) in verify
    assert not re.search(r"[а-яіў] active\b", verify)

    staff = await staff_session(synced, "secretariat")
    listing = (await staff_get(client, staff, "/staff/signatories")).text
    assert active in listing and "<td>active</td>" not in listing
    detail = (await staff_get(client, staff, f"/staff/signatories/{signatory}")).text
    assert "accepted (" not in detail and _said(code, "accession accepted") in detail
    # Dates in words; ISO 8601 only in <time datetime="..."> for machines.
    words = re.sub(r"<[^>]*>", " ", detail[detail.index("<main"):])
    assert not re.search(r"\d{4}-\d{2}-\d{2}", words)
    assert re.search(r'<time datetime="\d{4}-\d{2}-\d{2}', detail)


@pytest.mark.parametrize("code", ["be", "ru"])
async def test_staff_screens_say_the_listing_and_the_kind_in_words(client, synced, code: str):
    """Expected to fail until the new labels are translated (as test_every_label_is_
    translated): "public" is both the code and the English label."""
    signatory = await accepted(client, synced, contact_email=f"listing-{code}@example.org")
    staff = await staff_session(synced, "secretariat")
    client.cookies.set("lang", code)
    try:
        listing = (await staff_get(client, staff, "/staff/signatories")).text
        detail = (await staff_get(client, staff, f"/staff/signatories/{signatory}")).text
    finally:
        client.cookies.delete("lang")
    assert _said(code, labels.LISTING["public"]) in listing and "<td>public</td>" not in listing
    assert _said(code, labels.SIGNATORY_KIND["organisation"]) in detail
    assert "<dd>organisation</dd>" not in detail and "<dd>public</dd>" not in detail


async def test_the_review_screen_says_each_answer_in_words(client, synced):
    """The secretariat reads the application's answers as words (the country's name, a
    look-alike's reason), never as the form's codes."""
    from tests.accessions.test_review import applied

    first = await applied(client, public_name="Viasna", contact_email="first@example.org")
    from registry.accessions import review
    await review.approve(first, actor=SYSTEM, settings=synced)
    second = await applied(client, public_name="Вясна", contact_email="second@example.org")
    staff = await staff_session(synced, "secretariat")
    client.cookies.set("lang", "ru")
    try:
        page = (await staff_get(client, staff, f"/staff/accessions/{second}")).text
        queue = (await staff_get(client, staff, "/staff/accessions")).text
    finally:
        client.cookies.delete("lang")
    assert "Литва" in page and "<dd>LT</dd>" not in page
    assert "<dd>in_exile</dd>" not in page and "<dd>False</dd>" not in page
    assert _said("ru", labels.ACCESSION_STATUS["active"]) in page  # the look-alike's status
    assert _said("ru", "the same name in another script, transliteration, case or accents"
                 ) in page
    assert "<td>organisation</td>" not in queue or _said("ru", "organisation") == "organisation"


async def test_a_refusal_says_a_status_in_the_readers_language(client, synced):
    from registry.accessions import lifecycle
    from registry.refusals import Conflict

    signatory = await accepted(client, synced, contact_email="refused@example.org")
    with pytest.raises(Conflict) as refused:
        await lifecycle.reinstate(signatory, decision="case 2026-AAAAAA", actor=SYSTEM,
                                  settings=synced)
    with i18n.using("ru"):
        said = refused.value.text(i18n.gettext)
    assert _said("ru", "active") in said and " active." not in said
    assert refused.value.text().endswith("this one is active.")
