"""Principles Registry: the Principles of Human Rights Work in Belarus as a service."""

__version__ = "0.1.0"
