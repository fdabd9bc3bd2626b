"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1: its hashes,
its audit paths (inclusion proofs) and its consistency proofs, and their verification.

A leaf is `SHA-256(0x00 || entry)`, an interior node `SHA-256(0x01 || left || right)`;
the tree of n leaves splits at k, the largest power of two smaller than n. Every subtree
the algorithms below ever need is either complete and aligned (2**level leaves starting
at a multiple of 2**level: the hashes a tile of C2SP tlog-tiles holds) or a right edge
made of such subtrees. So the tree is read through one function, `complete(level,
index)`, the hash of the index-th complete subtree of 2**level leaves: a proof or a root
at any size costs O(log n) of them, whatever stores them (a list here and in tests; the
log's tables later).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import cache

HASH_SIZE = 32
Complete = Callable[[int, int], bytes]  # (level, index) -> hash of that complete subtree


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """k: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_hash(complete: Complete, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for a range the algorithms of RFC 9162 reach: a complete
    aligned subtree is read as it is, anything else is split as the RFC splits it."""
    size = end - start
    if size <= 0:
        raise ValueError(f"no leaves in [{start}, {end})")
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return complete(level, start >> level)
    k = _split(size)
    return node_hash(subtree_hash(complete, start, start + k),
                     subtree_hash(complete, start + k, end))


def root(complete: Complete, size: int) -> bytes:
    """The tree head's hash of the first `size` leaves (the empty tree's is SHA-256 of
    nothing)."""
    if size == 0:
        return hashlib.sha256(b"").digest()
    return subtree_hash(complete, 0, size)


def inclusion_proof(complete: Complete, index: int, size: int) -> list[bytes]:
    """The audit path PATH(index, D[0:size]) of RFC 9162 section 2.1.3.1."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            path.append(subtree_hash(complete, start + k, end))
            end = start + k
        else:
            path.append(subtree_hash(complete, start, start + k))
            start += k
    return path[::-1]  # the RFC lists the path from the leaf up


def consistency_proof(complete: Complete, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[0:second]) of RFC 9162 section 2.1.4.1 (empty when the sizes are
    equal)."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    proof: list[bytes] = []
    start, end, whole = 0, second, True  # SUBPROOF(m, D[start:end], whole)
    m = first
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(subtree_hash(complete, start + k, end))
            end = start + k
        else:
            proof.append(subtree_hash(complete, start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        proof.append(subtree_hash(complete, start, end))
    return proof[::-1]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes],
                     expected_root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2: whether `proof` shows the leaf hash `leaf` at `index`
    in the tree of `size` whose root is `expected_root`."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2: whether `proof` shows the tree of `first` leaves with
    `first_root` to be a prefix of the tree of `second` leaves with `second_root`."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root is the proof's start
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


def over(leaves: Sequence[bytes]) -> Complete:
    """`complete` over a list of leaf hashes, each subtree hashed once (tests, and a
    verifier that has every entry)."""

    @cache
    def complete(level: int, index: int) -> bytes:
        if level == 0:
            return leaves[index]
        return node_hash(complete(level - 1, 2 * index), complete(level - 1, 2 * index + 1))

    return complete
