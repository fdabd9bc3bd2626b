"""Named change counters kept in the database: what processes share about changes."""
