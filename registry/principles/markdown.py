"""The Markdown download of a text: the same words, with headings and lists."""

from __future__ import annotations

from registry.principles.document import Document, Paragraph


def _paragraph(paragraph: Paragraph) -> list[str]:
    out = [paragraph.text, ""]
    if paragraph.items:
        out += [f"- {item}" for item in paragraph.items] + [""]
    if paragraph.contributors:
        out += [f"- {group.as_text()}" for group in paragraph.contributors] + [""]
    return out


def render(document: Document, *, status: str, content_hash: str) -> str:
    lines = [
        f"# {document.title}",
        "",
        f"<!-- Version {document.version} ({status}), language {document.language}. "
        f"SHA-256 of the canonical JSON: {content_hash} -->",
        "",
    ]
    for section in document.preamble:
        for paragraph in section.paragraphs:
            lines += _paragraph(paragraph)
    if document.principles_intro:
        lines += [document.principles_intro, ""]
    for principle in document.principles:
        lines += [f"## {principle.number}. {principle.title}", ""]
        for paragraph in principle.paragraphs:
            lines += _paragraph(paragraph)
    note = document.explanatory_note
    if note:
        lines += [f"## {note.title}", ""]
        for paragraph in note.paragraphs:
            lines += _paragraph(paragraph)
        for footnote in note.footnotes:
            lines += [f"[^{footnote.number}]: {footnote.text}", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
