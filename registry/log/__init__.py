"""The transparency log of the registry's public facts (in the making: the Merkle tree
of RFC 9162 first)."""
