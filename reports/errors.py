"""Exceptions the report renderer raises; messages are one line, ``<what>. <how to fix>``."""

from __future__ import annotations


class ReportError(Exception):
    """A report could not be rendered."""


class TemplateError(ReportError):
    """A report template is missing, invalid, unsafe or failed while rendering."""
