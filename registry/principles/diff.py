"""Word-level comparison of two Principles texts, block by block.

A text is flattened into blocks with stable keys (the title, each preamble paragraph,
each principle's title, paragraphs and list items, the explanatory note). Blocks are
matched by key; inside a block the words are compared, so a reader sees which words
changed, not just which paragraph.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

from registry.principles.document import Document, Paragraph

_TOKEN = re.compile(r"\s+|[^\s]+")

Op = Literal["equal", "insert", "delete"]


@dataclass(frozen=True)
class Block:
    key: str
    anchor: str
    label: str
    text: str


@dataclass(frozen=True)
class Segment:
    op: Op
    text: str


@dataclass(frozen=True)
class BlockDiff:
    key: str
    anchor: str
    label: str
    segments: tuple[Segment, ...]

    @property
    def changed(self) -> bool:
        return any(segment.op != "equal" for segment in self.segments)

    @property
    def status(self) -> Literal["added", "removed", "changed", "unchanged"]:
        ops = {segment.op for segment in self.segments}
        if ops == {"insert"}:
            return "added"
        if ops == {"delete"}:
            return "removed"
        return "changed" if self.changed else "unchanged"


def _paragraph_blocks(paragraph: Paragraph, key: str, anchor: str, label: str) -> list[Block]:
    blocks = [Block(key, anchor, label, paragraph.text)]
    for index, item in enumerate(paragraph.items or (), start=1):
        blocks.append(Block(f"{key}/item/{index}", f"{anchor}-{index}", f"{label}, item {index}",
                            item))
    for index, group in enumerate(paragraph.contributors or (), start=1):
        blocks.append(Block(f"{key}/contributors/{index}", anchor,
                            f"{label}, contributors {index}", group.as_text()))
    return blocks


def blocks(document: Document) -> list[Block]:
    """The document in reading order, each block with a key stable across versions."""
    out = [Block("title", "top", "Title", document.title)]
    for section in document.preamble:
        for index, paragraph in enumerate(section.paragraphs, start=1):
            out += _paragraph_blocks(paragraph, f"preamble/{section.key}/{index}",
                                     f"{section.key}-{index}",
                                     f"Preamble ({section.key}), paragraph {index}")
    if document.principles_intro:
        out.append(Block("principles-intro", "principles", "Introduction to the principles",
                         document.principles_intro))
    for principle in document.principles:
        n = principle.number
        out.append(Block(f"principle/{n}/title", f"p{n}", f"Principle {n}, title",
                         principle.title))
        for index, paragraph in enumerate(principle.paragraphs, start=1):
            out += _paragraph_blocks(paragraph, f"principle/{n}/{index}", f"p{n}-{index}",
                                     f"Principle {n}, paragraph {index}")
    note = document.explanatory_note
    if note:
        out.append(Block("note/title", "note", "Explanatory note, title", note.title))
        for index, paragraph in enumerate(note.paragraphs, start=1):
            out += _paragraph_blocks(paragraph, f"note/{index}", f"note-{index}",
                                     f"Explanatory note, paragraph {index}")
        for footnote in note.footnotes:
            out.append(Block(f"note/footnote/{footnote.number}", f"fn{footnote.number}",
                             f"Footnote {footnote.number}", footnote.text))
    return out


def _words(old: str, new: str) -> tuple[Segment, ...]:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            segments.append(Segment("delete", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return tuple(segments)


def compare(old: Document, new: Document) -> list[BlockDiff]:
    """Every block of either text, in reading order, with its word-level changes."""
    old_blocks, new_blocks = blocks(old), blocks(new)
    old_by_key = {block.key: block for block in old_blocks}
    new_keys = {block.key for block in new_blocks}
    result: list[BlockDiff] = []
    old_iter = iter(old_blocks)
    # Walk the new text in order; a block only the old text has is shown where it stood.
    pending_old = next(old_iter, None)
    for block in new_blocks:
        while pending_old is not None and pending_old.key not in new_keys:
            result.append(BlockDiff(pending_old.key, pending_old.anchor, pending_old.label,
                                    (Segment("delete", pending_old.text),)))
            pending_old = next(old_iter, None)
        if pending_old is not None and pending_old.key == block.key:
            pending_old = next(old_iter, None)
        before = old_by_key.get(block.key)
        segments = (_words(before.text, block.text) if before
                    else (Segment("insert", block.text),))
        result.append(BlockDiff(block.key, block.anchor, block.label, segments))
    while pending_old is not None:
        if pending_old.key not in new_keys:
            result.append(BlockDiff(pending_old.key, pending_old.anchor, pending_old.label,
                                    (Segment("delete", pending_old.text),)))
        pending_old = next(old_iter, None)
    return result


def as_word_diff(diffs: list[BlockDiff]) -> str:
    """Changed blocks as text, removed words in [-...-] and added ones in {+...+}."""
    lines = []
    for diff in diffs:
        if not diff.changed:
            continue
        marked = "".join(
            segment.text if segment.op == "equal"
            else f"[-{segment.text}-]" if segment.op == "delete"
            else f"{{+{segment.text}+}}"
            for segment in diff.segments
        )
        lines.append(f"{diff.label} ({diff.status}):\n  {marked}")
    return "\n\n".join(lines)
