"""Errors that end the reading of one document, each carrying a one-line reason for the user."""

from __future__ import annotations


class ReadError(Exception):
    """A file that cannot be read as a document; the message is one line naming the reason."""
