"""The one exception family of engage; the CLI maps each to an exit code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about a data file: an error or a warning, located by file, line and field."""

    path: str
    line: int
    column: int
    field: str
    message: str
    level: str = "error"  # "error" | "warning"
    kind: str = ""  # short machine-readable category, e.g. "stale-source"

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}:{self.column}" if self.column else f":{self.line}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class EngageError(Exception):
    """Base of every error engage raises on purpose; ``exit_code`` is what the CLI returns."""

    exit_code = 1


class DataError(EngageError):
    """Raised when records or settings are invalid; carries every problem found, not just the first."""

    exit_code = 1

    def __init__(self, problems: Sequence[Problem] | str):
        if isinstance(problems, str):
            self.problems: list[Problem] = []
            message = problems
        else:
            self.problems = list(problems)
            message = "\n".join(str(p) for p in self.problems)
        super().__init__(message)


class UsageError(EngageError):
    """Raised when the command line asks for something impossible (unknown company, bad option)."""

    exit_code = 2


class RenderError(EngageError):
    """Raised when a document cannot be rendered or written (template, WeasyPrint, disk)."""

    exit_code = 3
