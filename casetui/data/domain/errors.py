"""Errors the data layer raises for people to read."""

from __future__ import annotations


class CasetuiError(Exception):
    """Base of every error meant to be shown to the user as it is."""


class ValidationError(CasetuiError):
    """One or more fields are wrong. ``errors`` maps field name to a plain-words message."""

    def __init__(self, errors: dict[str, str] | str, message: str | None = None):
        if isinstance(errors, str):
            errors = {errors: message or "is not valid"}
        self.errors: dict[str, str] = dict(errors)
        super().__init__("; ".join(self.errors.values()))

    @property
    def field(self) -> str:
        return next(iter(self.errors))


class NotFoundError(CasetuiError):
    pass


class CaseClosedError(CasetuiError):
    """A closed case is read-only."""

    def __init__(self, message: str = "This case is closed and read-only. Reopen it to make changes."):
        super().__init__(message)


class ConflictError(CasetuiError):
    """Someone else saved the same record since it was loaded."""

    def __init__(self, what: str = "record"):
        self.what = what  # a form that was refused words what to do itself (widgets/form_dialog.py)
        super().__init__(
            f"Someone else saved this {what} after you opened it. Nothing of yours was written: "
            "reload to see their changes, then make yours again."
        )


class DatabaseError(CasetuiError):
    """The database cannot be opened or used; the message says why and what to do."""
