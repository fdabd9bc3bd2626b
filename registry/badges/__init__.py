"""Verifiable compliance badges: signed credentials, status lists, images, verification."""
