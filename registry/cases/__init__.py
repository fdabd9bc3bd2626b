"""The Principle 15 procedure: complaints and conflict-of-interest cases before the ethics panel."""
