"""The canonical form and hash of a text, and the validation of the files people edit."""

import copy
import hashlib
import json
import tomllib
from pathlib import Path

import pytest

from registry.principles.document import (
    Document,
    PrinciplesSourceError,
    load_all,
    load_version,
)
from tests.conftest import PRINCIPLES


def english_1_0() -> dict:
    data = tomllib.loads((PRINCIPLES / "1.0" / "en.toml").read_text(encoding="utf-8"))
    data.pop("official")
    return {**data, "version": "1.0"}


def test_canonical_form_is_sorted_compact_utf8_json_and_hash_is_its_sha256():
    document = Document.model_validate(english_1_0())
    canonical = document.canonical_json()
    # Recomputed independently from the documented definition.
    expected = json.dumps(json.loads(canonical), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8")
    assert canonical == expected
    assert b"\n" not in canonical and b": " not in canonical
    assert document.content_hash() == hashlib.sha256(canonical).hexdigest()
    parsed = json.loads(canonical)
    assert parsed["format"] == "principles-registry/text/1"
    assert "items" not in parsed["principles"][0]["paragraphs"][0]  # absent, not null


def test_hash_changes_with_one_character_and_round_trips_through_canonical_json():
    document = Document.model_validate(english_1_0())
    assert Document.from_canonical(document.canonical_json()) == document
    changed = english_1_0()
    changed["principles"][5]["title"] = "Non-violence."
    assert Document.model_validate(changed).content_hash() != document.content_hash()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["principles"][0].update(title="Two  spaces"), "two spaces"),
        (lambda d: d["principles"][0].update(title=" padded"), "whitespace"),
        (lambda d: d["principles"][0].update(title="line\nbreak"), "control"),
        (lambda d: d["principles"][0].update(title="zero\u200bwidth"), "invisible"),
        (lambda d: d["principles"][0].update(title="Cafe\u0301"), "NFC"),
        (lambda d: d["principles"][0].update(title=""), "at least 1"),
        (lambda d: d["principles"][0].update(number="1"), "integer"),
        (lambda d: d["principles"][2].update(number=4), "numbered 1, 2, 3"),
        (lambda d: d["principles"][0].update(colour="red"), "Extra inputs"),
        (lambda d: d["explanatory_note"].update(footnotes=[]), "footnote"),
        (lambda d: d.update(language="English"), "pattern"),
    ],
)
def test_invalid_texts_are_refused_with_a_reason(mutate, message):
    data = copy.deepcopy(english_1_0())
    mutate(data)
    with pytest.raises(ValueError, match=message):
        Document.model_validate(data)


def write_version(root: Path, version: str, status: str, text: str | None = None) -> Path:
    folder = root / version
    folder.mkdir(parents=True)
    (folder / "version.toml").write_text(
        f'version = "{version}"\nstatus = "{status}"\ntext_of_record = "en"\n', encoding="utf-8")
    source = text if text is not None else (PRINCIPLES / "1.0" / "en.toml").read_text("utf-8")
    (folder / "en.toml").write_text(source, encoding="utf-8")
    return folder


def test_folder_problems_name_the_file_and_the_fault(tmp_path: Path):
    folder = write_version(tmp_path, "2.0", "in_force")
    (folder / "version.toml").write_text('version = "2.1"\nstatus = "in_force"\n'
                                         'text_of_record = "en"\n')
    with pytest.raises(PrinciplesSourceError, match=r"says version '2.1' but lives in folder"):
        load_version(folder)
    (folder / "version.toml").write_text('version = "2.0"\nstatus = "published"\n'
                                         'text_of_record = "en"\n')
    with pytest.raises(PrinciplesSourceError,
                       match=r"(?s)version.toml.*status: Input should be .draft."):
        load_version(folder)
    (folder / "version.toml").write_text('version = "2.0"\nstatus = "draft"\n'
                                         'text_of_record = "be"\n')
    with pytest.raises(PrinciplesSourceError, match=r"text of record 'be' has no file be.toml"):
        load_version(folder)
    (folder / "version.toml").write_text('version = "2.0"\nstatus = "draft"\n'
                                         'text_of_record = "en"\n')
    (folder / "en.toml").write_text('title = "unterminated')
    with pytest.raises(PrinciplesSourceError, match=r"en.toml: not valid TOML"):
        load_version(folder)


def test_exactly_one_version_is_in_force(tmp_path: Path):
    write_version(tmp_path, "1.0", "in_force")
    write_version(tmp_path, "1.1", "in_force")
    with pytest.raises(PrinciplesSourceError, match=r"exactly one version .* \['1.0', '1.1'\]"):
        load_all(tmp_path)


def test_folder_names_must_be_version_ids(tmp_path: Path):
    write_version(tmp_path, "1.0", "in_force")
    (tmp_path / "latest").mkdir()
    with pytest.raises(PrinciplesSourceError, match="must be version ids"):
        load_all(tmp_path)


def test_versions_sort_numerically_not_alphabetically(tmp_path: Path):
    write_version(tmp_path, "1.10", "draft")
    write_version(tmp_path, "1.9", "in_force")
    assert [v.version_id for v in load_all(tmp_path)] == ["1.9", "1.10"]


def test_the_documented_hash_of_version_1_0_is_the_computed_one():
    readme = (PRINCIPLES / "README.md").read_text(encoding="utf-8")
    computed = load_all(PRINCIPLES)[0].record.document.content_hash()
    assert f"Version 1.0 (English): `{computed}`" in readme
