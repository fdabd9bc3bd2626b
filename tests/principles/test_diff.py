"""Word-level comparison of two texts."""

import tomllib

from registry.principles.diff import as_word_diff, blocks, compare
from registry.principles.document import Document
from tests.conftest import PRINCIPLES


def document(**changes) -> Document:
    data = tomllib.loads((PRINCIPLES / "1.0" / "en.toml").read_text(encoding="utf-8"))
    data.pop("official")
    data["version"] = "1.0"
    for number, title in changes.get("titles", {}).items():
        data["principles"][number - 1]["title"] = title
    if "drop_last_paragraph_of" in changes:
        data["principles"][changes["drop_last_paragraph_of"] - 1]["paragraphs"].pop()
    return Document.model_validate(data)


def test_identical_texts_have_no_changes():
    diffs = compare(document(), document())
    assert diffs and not any(d.changed for d in diffs)
    assert len(diffs) == len(blocks(document()))


def test_changed_words_are_marked_and_the_rest_is_equal():
    diffs = compare(document(), document(titles={6: "Non-violence and peace"}))
    changed = [d for d in diffs if d.changed]
    assert [d.key for d in changed] == ["principle/6/title"]
    assert [(s.op, s.text) for s in changed[0].segments] == [
        ("equal", "Non-violence"), ("insert", " and peace")]
    assert changed[0].status == "changed" and changed[0].anchor == "p6"
    assert as_word_diff(diffs) == "Principle 6, title (changed):\n  Non-violence{+ and peace+}"


def test_a_replaced_word_shows_as_removed_then_added():
    diffs = compare(document(), document(titles={12: "Competence"}))
    segments = next(d for d in diffs if d.changed).segments
    assert [(s.op, s.text) for s in segments] == [("delete", "Professionalism"),
                                                  ("insert", "Competence")]


def test_a_removed_paragraph_is_listed_where_it_stood():
    diffs = compare(document(), document(drop_last_paragraph_of=3))
    keys = [d.key for d in diffs]
    removed = [d for d in diffs if d.status == "removed"]
    assert [d.key for d in removed] == ["principle/3/4"]
    assert keys.index("principle/3/4") == keys.index("principle/3/3") + 1
    assert keys.index("principle/3/4") < keys.index("principle/4/title")
    reverse = [d for d in compare(document(drop_last_paragraph_of=3), document()) if d.changed]
    assert [(d.key, d.status) for d in reverse] == [("principle/3/4", "added")]
