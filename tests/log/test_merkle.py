"""The Merkle tree of RFC 9162: every inclusion proof and every consistency proof of
trees up to 64 leaves verifies with a verifier written here from the RFC's own steps
(sections 2.1.3.2 and 2.1.4.2, the power-of-two case of the consistency proof
included), the roots are the RFC's definition computed naively, and every tampered
proof fails, with that verifier and with the module's own."""

from __future__ import annotations

import hashlib

import pytest

from registry.log import merkle

SIZES = range(1, 65)
LEAVES = [merkle.leaf_hash(f"entry {n}".encode()) for n in range(64)]
TREE = merkle.over(LEAVES)


def H(data: bytes) -> bytes:  # the RFC's name
    return hashlib.sha256(data).digest()


def mth(leaves: list[bytes]) -> bytes:
    """MTH of RFC 9162 section 2.1.1, on leaf hashes, as it is written there."""
    n = len(leaves)
    if n == 0:
        return H(b"")
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return H(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def rfc_verify_inclusion(leaf_index: int, tree_size: int, hash_: bytes,
                         inclusion_path: list[bytes], root_hash: bytes) -> bool:
    """RFC 9162 section 2.1.3.2, step by step."""
    if leaf_index >= tree_size:  # 1
        return False
    fn, sn = leaf_index, tree_size - 1  # 2
    r = hash_  # 3
    for p in inclusion_path:  # 4
        if sn == 0:  # 4a
            return False
        if fn % 2 == 1 or fn == sn:  # 4b
            r = H(b"\x01" + p + r)
            if fn % 2 == 0:
                while not (fn % 2 == 1 or fn == 0):
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = H(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1  # 4c
    return sn == 0 and r == root_hash  # 5


def rfc_verify_consistency(first: int, second: int, first_hash: bytes, second_hash: bytes,
                           consistency_path: list[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2, step by step (for first < second)."""
    if not consistency_path:  # 1
        return False
    path = list(consistency_path)
    if first & (first - 1) == 0:  # 2: an exact power of 2
        path = [first_hash, *path]
    fn, sn = first - 1, second - 1  # 3
    while fn % 2 == 1:  # 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]  # 5
    for c in path[1:]:  # 6
        if sn == 0:  # 6a
            return False
        if fn % 2 == 1 or fn == sn:  # 6b
            fr, sr = H(b"\x01" + c + fr), H(b"\x01" + c + sr)
            if fn % 2 == 0:
                while not (fn % 2 == 1 or fn == 0):
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = H(b"\x01" + sr + c)
        fn, sn = fn >> 1, sn >> 1  # 6c
    return fr == first_hash and sr == second_hash and sn == 0  # 7


def tampered(proof: list[bytes]) -> list[list[bytes]]:
    """Every way of spoiling a proof: each hash with one bit flipped, one dropped, one
    added, two swapped."""
    spoiled = []
    for at in range(len(proof)):
        flipped = bytes([proof[at][0] ^ 1]) + proof[at][1:]
        spoiled += [[*proof[:at], flipped, *proof[at + 1:]], proof[:at] + proof[at + 1:]]
        if at + 1 < len(proof) and proof[at] != proof[at + 1]:
            spoiled.append([*proof[:at], proof[at + 1], proof[at], *proof[at + 2:]])
    return [*spoiled, [*proof, LEAVES[0]]]


def test_the_leaf_and_node_hashes_are_the_rfcs():
    assert merkle.leaf_hash(b"x") == H(b"\x00x")
    assert merkle.node_hash(b"a" * 32, b"b" * 32) == H(b"\x01" + b"a" * 32 + b"b" * 32)
    assert merkle.root(TREE, 0) == H(b"")


@pytest.mark.parametrize("size", SIZES)
def test_every_root_is_the_rfcs_definition(size):
    assert merkle.root(TREE, size) == mth(LEAVES[:size])


@pytest.mark.parametrize("size", SIZES)
def test_every_inclusion_proof_verifies_and_no_tampered_one_does(size):
    root = mth(LEAVES[:size])
    for index in range(size):
        proof = merkle.inclusion_proof(TREE, index, size)
        assert rfc_verify_inclusion(index, size, LEAVES[index], proof, root), (index, size)
        assert merkle.verify_inclusion(LEAVES[index], index, size, proof, root)
        for spoiled in tampered(proof):
            assert not rfc_verify_inclusion(index, size, LEAVES[index], spoiled, root)
            assert not merkle.verify_inclusion(LEAVES[index], index, size, spoiled, root)
        other = LEAVES[(index + 1) % 64]
        assert not merkle.verify_inclusion(other, index, size, proof, root)
        assert not merkle.verify_inclusion(LEAVES[index], index, size, proof, H(b"x"))
        if size > 1:  # the same path does not prove another place
            wrong = (index + 1) % size
            assert not rfc_verify_inclusion(wrong, size, LEAVES[index], proof, root)
            assert not merkle.verify_inclusion(LEAVES[index], wrong, size, proof, root)


@pytest.mark.parametrize("second", SIZES)
def test_every_consistency_proof_verifies_and_no_tampered_one_does(second):
    second_root = mth(LEAVES[:second])
    for first in range(1, second + 1):
        first_root = mth(LEAVES[:first])
        proof = merkle.consistency_proof(TREE, first, second)
        assert merkle.verify_consistency(first, second, first_root, second_root, proof)
        if first == second:
            assert proof == []
            continue
        assert rfc_verify_consistency(first, second, first_root, second_root, proof), (
            first, second)
        if first & (first - 1) == 0:  # a power of two: its root is not in the proof
            assert first_root not in proof
        for spoiled in tampered(proof):
            assert not rfc_verify_consistency(first, second, first_root, second_root,
                                              spoiled), (first, second)
            assert not merkle.verify_consistency(first, second, first_root, second_root,
                                                 spoiled)
        assert not merkle.verify_consistency(first, second, H(b"x"), second_root, proof)
        assert not merkle.verify_consistency(first, second, first_root, H(b"x"), proof)
        assert not rfc_verify_consistency(first, second, first_root, second_root, [])
        # A rewritten history: the second tree with one earlier leaf changed.
        rewritten = list(LEAVES[:second])
        rewritten[first - 1] = merkle.leaf_hash(b"rewritten")
        assert not rfc_verify_consistency(first, second, first_root, mth(rewritten),
                                          merkle.consistency_proof(merkle.over(rewritten),
                                                                   first, second))


def test_proofs_read_only_log_n_subtrees():
    """A proof or a root costs O(log n) reads of complete subtrees, however large."""
    reads = []

    def counted(level: int, index: int) -> bytes:
        reads.append((level, index))
        return H(f"{level}/{index}".encode())

    size = 1_000_003
    for made in (lambda: merkle.root(counted, size),
                 lambda: merkle.inclusion_proof(counted, 765_432, size),
                 lambda: merkle.consistency_proof(counted, 654_321, size)):
        reads.clear()
        made()
        assert len(reads) <= 2 * size.bit_length(), len(reads)


def test_impossible_proofs_are_refused():
    with pytest.raises(ValueError, match="not in a tree of 5"):
        merkle.inclusion_proof(TREE, 5, 5)
    with pytest.raises(ValueError, match="no consistency proof from 0"):
        merkle.consistency_proof(TREE, 0, 5)
    with pytest.raises(ValueError, match="no consistency proof from 6"):
        merkle.consistency_proof(TREE, 6, 5)
    assert not merkle.verify_consistency(0, 5, H(b""), mth(LEAVES[:5]), [])
