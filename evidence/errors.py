"""Domain exceptions of the application; the CLI maps them to exit codes."""

from __future__ import annotations


class EvidenceError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with (2: bad input, 1: failure)."""

    exit_code = 1


class UsageError(EvidenceError):
    """The input cannot be used at all (bad identifier, unreadable file)."""

    exit_code = 2


class StudyNotFound(EvidenceError):
    exit_code = 2


class AmbiguousCitekey(UsageError):
    """A typed citekey names several studies whose keys differ only by case."""


class ClaimNotFound(EvidenceError):
    exit_code = 2


class DocumentNotFound(EvidenceError):
    exit_code = 2


class DocumentError(UsageError):
    """A document cannot be read (binary, empty, hopeless encoding)."""


class Interrupted(EvidenceError):
    """Ctrl-C during a long command, after what finished was saved; the message says how
    much. Exit 130, as for any interrupted command."""

    exit_code = 130
