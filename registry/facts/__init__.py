"""Public facts: everything the public may know happened, recorded once, in order."""
