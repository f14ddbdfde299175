"""Ecosystem mapper: who works with whom across sectors in Swedish social innovation."""

__version__ = "0.1.0"
