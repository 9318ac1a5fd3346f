"""The brief's numbered reference list: each source gets one number, in order of first citation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..dates import PartialDate
from .environment import safe_url

__all__ = ["Reference", "References"]


@dataclass(frozen=True)
class Reference:
    """One numbered entry of the reference list."""

    number: int
    title: str
    publisher: str | None
    date: PartialDate | None
    url: str | None  # http(s) only; anything else is shown as text in ``raw_url``
    raw_url: str | None = None


class References:
    """Numbers sources in order of first citation; the same source keeps one number."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, ...], int] = {}
        self._items: list[Reference] = []

    @staticmethod
    def _key(title: str, publisher: str | None, url: str | None, date: PartialDate | None) -> tuple[str, ...]:
        if url:
            return ("url", url.strip().rstrip("/").lower(), title.strip().casefold())
        return ("text", title.strip().casefold(), (publisher or "").strip().casefold(), str(date or ""))

    def cite_one(self, title: str, publisher: str | None, url: str | None, date: PartialDate | None) -> int:
        """Return the number of a source, adding it to the list on first citation."""
        key = self._key(title, publisher, url, date)
        number = self._numbers.get(key)
        if number is None:
            number = len(self._items) + 1
            self._numbers[key] = number
            safe = safe_url(url)
            self._items.append(Reference(number, title, publisher, date, safe, None if safe else url))
        return number

    def cite(self, sources: Iterable[Any]) -> tuple[int, ...]:
        """Return the numbers of ``sources`` (anything with title, publisher, url, date), sorted."""
        numbers = {self.cite_one(s.title, s.publisher, s.url, s.date) for s in sources}
        return tuple(sorted(numbers))

    @property
    def items(self) -> tuple[Reference, ...]:
        """Return the references in number order."""
        return tuple(self._items)
