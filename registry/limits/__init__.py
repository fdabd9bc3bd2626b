"""How often the public may make the registry act: counts per window, never who."""
