"""Public ids are pasted into commands: none may look like an option."""

from registry.keys.tokens import public_id


def test_public_ids_never_start_with_a_dash():
    # token_urlsafe starts with "-" once in 64; 3,000 draws would show it ~47 times.
    ids = [public_id(9) for _ in range(3000)]
    assert not [i for i in ids if i.startswith("-")]
    assert len(set(ids)) == len(ids) and all(len(i) == 12 for i in ids)
