"""Signed notes and checkpoints, against the vectors of Go's golang.org/x/mod/sumdb/note
(its example_test.go): the same key hash, verifier key and signature, byte for byte."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.log import merkle, note

# From golang.org/x/mod/sumdb/note/example_test.go.
SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
TEXT = ("If you think cryptography is the answer to your problem,\n"
        "then you don't know what your problem is.\n")
SIGNED = TEXT + ("\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1"
                 "FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")


def go_private_key() -> tuple[str, Ed25519PrivateKey]:
    name, _hash, key64 = SKEY.removeprefix("PRIVATE+KEY+").split("+", 2)
    seed = base64.b64decode(key64)[1:]
    return name, Ed25519PrivateKey.from_private_bytes(seed)


def test_the_same_keys_and_signature_as_gos_note_package():
    name, private = go_private_key()
    assert note.verifier_key(name, private.public_key()) == VKEY
    assert note.sign(TEXT, name, private) == SIGNED  # Ed25519 signatures are deterministic
    opened = note.open_note(SIGNED, [note.Verifier.from_key(VKEY)])
    assert opened.text == TEXT and opened.verified == ["PeterNeumann"]


def test_a_changed_text_or_a_wrong_key_is_refused():
    verifier = note.Verifier.from_key(VKEY)
    with pytest.raises(note.MalformedNote, match="does not hold"):
        note.open_note(SIGNED.replace("answer", "Answer"), [verifier])
    other = Ed25519PrivateKey.generate()
    unknown = note.open_note(SIGNED, [note.Verifier("PeterNeumann", other.public_key())])
    assert unknown.verified == [] and len(unknown.unknown) == 1
    for broken in (TEXT, SIGNED.replace("— ", "- "), SIGNED + "x", "a\x01\n\n" + SIGNED,
                   SIGNED.replace("x08go", "x08g!")):
        with pytest.raises(note.MalformedNote):
            note.open_note(broken, [verifier])
    with pytest.raises(ValueError, match="hash does not match"):
        note.Verifier.from_key(VKEY.replace("c74f20a3", "c74f20a4"))


def test_a_checkpoint_is_the_c2sp_text_and_reads_back():
    leaves = [merkle.leaf_hash(bytes([n])) for n in range(5)]
    root = merkle.root(merkle.over(leaves), 5)
    checkpoint = note.Checkpoint("registry.example/log", 5, root)
    text = checkpoint.text()
    assert text == f"registry.example/log\n5\n{base64.b64encode(root).decode()}\n"
    assert note.Checkpoint.parse(text) == checkpoint
    name, private = "registry.example/log", Ed25519PrivateKey.generate()
    signed = note.sign(text, name, private)
    opened = note.open_note(signed, [note.Verifier(name, private.public_key())])
    assert note.Checkpoint.parse(opened.text) == checkpoint
    for bad in ("o\n05\n" + base64.b64encode(root).decode() + "\n", "o\n5\nAAAA\n", "o\n5\n",
                "\n5\n" + base64.b64encode(root).decode() + "\n"):
        with pytest.raises(note.MalformedNote):
            note.Checkpoint.parse(bad)
