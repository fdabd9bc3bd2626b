"""The structured text of version 1.0 is exactly the source's words, nothing more or less.

The source is the text extracted from the published PDF. Read in order — title,
preamble, "N. Title" and paragraphs, list items as "- item", the explanatory note with
its contributors as one sentence, the footnote as "1 text" — our file must give the
source back once both have their whitespace collapsed (which is all that the mending
of broken lines, stray spaces and page artefacts changed).
"""

import re

from registry.principles.document import FOOTNOTE_REF, Document, load_all
from tests.conftest import PRINCIPLES

SOURCE = PRINCIPLES / "1.0" / "sources" / "principles-of-human-rights-work-in-belarus.en.txt"


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def reading_order(document: Document) -> str:
    parts = [document.title]

    def paragraph(p) -> None:
        parts.append(FOOTNOTE_REF.sub(r" \1", p.text))
        parts.extend(f"- {item}" for item in p.items or ())
        if p.contributors:
            parts.append(", ".join(group.as_text() for group in p.contributors) + ".")

    for section in document.preamble:
        for p in section.paragraphs:
            paragraph(p)
    parts.append(document.principles_intro or "")
    for principle in document.principles:
        parts.append(f"{principle.number}. {principle.title}")
        for p in principle.paragraphs:
            paragraph(p)
    note = document.explanatory_note
    assert note is not None
    parts.append(note.title)
    for p in note.paragraphs:
        paragraph(p)
    parts.extend(f"{f.number} {f.text}" for f in note.footnotes)
    return collapse(" ".join(parts))


def test_version_1_0_is_the_source_word_for_word():
    document = load_all(PRINCIPLES)[0].record.document
    source = collapse(SOURCE.read_text(encoding="utf-8"))
    ours = reading_order(document)
    if ours != source:
        # Point at the first difference, so a failure is readable.
        at = next(i for i, (a, b) in enumerate(zip(ours, source, strict=False)) if a != b)
        raise AssertionError(f"differs at {at}:\nours:   …{ours[at - 60:at + 60]}…\n"
                             f"source: …{source[at - 60:at + 60]}…")


def test_version_1_0_has_fifteen_principles_and_the_confidentiality_list():
    document = load_all(PRINCIPLES)[0].record.document
    assert len(document.principles) == 15
    eleven = document.principle(11)
    assert eleven is not None
    assert eleven.title == "Confidentiality and protection of personal data"
    listed = [p for p in eleven.paragraphs if p.items]
    assert len(listed) == 1 and listed[0].text == "The confidential information includes:"
    assert len(listed[0].items) == 3
    assert document.explanatory_note is not None
    assert document.explanatory_note.footnotes[0].text.startswith(
        "The Belarusian Human Rights Movement Strategy.")
    people = [name for p in document.explanatory_note.paragraphs
              for group in p.contributors or () for name in group.people]
    assert len(people) == 12 and people[0] == "Raisa Mikhaylovskaya"
