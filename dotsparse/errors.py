"""Errors that carry where they happened: source file, page and stage."""

from __future__ import annotations

from typing import Optional


EXIT_BY_SIGNAL = {"SIGINT": 130, "SIGTERM": 143}  # 128 + the signal number, as shells report it


class DotsparseError(Exception):
    """Base error. `str()` names the file, page and stage, then what to do."""

    def __init__(self, message: str, *, source: Optional[str] = None, page: Optional[int] = None,
                 stage: Optional[str] = None, hint: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.page = page
        self.stage = stage
        self.hint = hint

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.page is not None:
            where.append(f"page {self.page}")
        if self.stage:
            where.append(self.stage)
        text = f"{': '.join([', '.join(where)] if where else [])}{': ' if where else ''}{self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class UsageError(DotsparseError):
    """Bad flags or arguments: exit code 2."""


class SourceError(DotsparseError):
    """A whole input file cannot be read (corrupt, encrypted, empty, not what its name says)."""


class EngineError(DotsparseError):
    """An engine could not produce an answer. `retryable` errors are worth another attempt."""

    def __init__(self, message: str, *, retryable: bool = False, **kw):
        super().__init__(message, **kw)
        self.retryable = retryable


class EngineUnavailable(EngineError):
    """The engine cannot run on this machine (missing extra, no model, no server)."""


class DocumentError(DotsparseError):
    """`raise_on_error=True`: a document came back with failed pages. `document` holds what was parsed."""

    def __init__(self, message: str, *, document: object = None, **kw: object):
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.document = document
