"""The Principles as versioned, immutable, hash-bound documents."""
