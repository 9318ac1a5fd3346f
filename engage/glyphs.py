"""Which characters the bundled fonts can print, and where a company's record holds one they cannot.

The bundled fonts' character coverage is kept in ``resources/fonts/coverage.txt`` (ranges of
code points, regenerated with ``python -m engage.glyphs`` after a font changes; a test
checks it against the fonts), so ``engage check`` knows it without loading a font. A
character outside it prints as a box in a PDF: ``check`` names it once per company, at the
first record and field that holds it, and a render names the ones it actually hit.
"""

from __future__ import annotations

import bisect
import dataclasses
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

from .errors import Problem
from .records import Company

__all__ = [
    "COVERAGE_FILE",
    "FONT_FILES",
    "coverage_ranges",
    "is_printable",
    "missing_glyph_problems",
    "missing_glyph_warnings",
    "text_fields",
    "uncovered",
]

#: The bundled font files whose characters make up the coverage (resources/fonts).
FONT_FILES = (
    "Inter-Regular.otf",
    "Inter-Italic.otf",
    "Inter-SemiBold.otf",
    "Inter-SemiBoldItalic.otf",
    "Inter-Bold.otf",
    "Inter-BoldItalic.otf",
    "NotoSansArabic-Regular.ttf",
    "NotoSansArabic-Bold.ttf",
    "NotoSansHebrew-Regular.ttf",
    "NotoSansHebrew-Bold.ttf",
    "NotoSansCJKsc-Regular.otf",
    "NotoSansCJKsc-Bold.otf",
)
COVERAGE_FILE = "coverage.txt"
#: Spaces HarfBuzz draws from the font's own space when the font lacks them (hb-ot-shape-fallback).
_FALLBACK_SPACES = frozenset([*range(0x2000, 0x200B), 0x202F, 0x205F])
#: Record fields that hold no prose: ids are ASCII by validation, the rest are not printed as text.
_SKIPPED_FIELDS = frozenset({"id", "path", "lines", "line"})


def _fonts_dir() -> Any:
    return importlib_resources.files("engage") / "resources" / "fonts"


@lru_cache(maxsize=1)
def coverage_ranges() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Return (starts, ends) of the inclusive code-point ranges the bundled fonts cover, sorted."""
    starts: list[int] = []
    ends: list[int] = []
    text = (_fonts_dir() / COVERAGE_FILE).read_text(encoding="ascii")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        first, _, last = line.partition("-")
        starts.append(int(first, 16))
        ends.append(int(last or first, 16))
    return tuple(starts), tuple(ends)


def is_printable(char: str) -> bool:
    """Return True when a bundled font has ``char``, or when it needs no glyph (controls, joiners, selectors)."""
    code = ord(char)
    if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") or code in _FALLBACK_SPACES:
        return True
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:  # variation selectors
        return True
    starts, ends = coverage_ranges()
    i = bisect.bisect_right(starts, code) - 1
    return i >= 0 and code <= ends[i]


def uncovered(text: str) -> list[str]:
    """Return the characters of ``text`` that no bundled font has, each once, in order."""
    return list(dict.fromkeys(c for c in text if not c.isascii() and not is_printable(c)))


def text_fields(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Yield (field path, text) for every text field of a record dataclass, e.g. ``allegations[2].summary``."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from text_fields(item, f"{where}[{i}]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for name in _field_names(type(value)):
            yield from text_fields(getattr(value, name), f"{where}.{name}" if where else name)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """Return the names of ``cls``'s fields that may hold record text (looked up once per class)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields if f.name not in _SKIPPED_FIELDS)
    return names


def _name(char: str) -> str:
    return f"'{char}' (U+{ord(char):04X}{' ' + unicodedata.name(char) if unicodedata.name(char, '') else ''})"


def _places(company: Company) -> dict[str, list[str]]:
    """Return, per character no bundled font has, the fields of ``company`` holding it, in file order."""
    found: dict[str, list[str]] = {}
    for where, text in text_fields(company):
        if text.isascii():  # every ASCII character is in the bundled fonts; most text is ASCII
            continue
        for char in uncovered(text):
            found.setdefault(char, []).append(where)
    return found


def _also(places: Sequence[str], shown: int = 3) -> str:
    rest = places[1:]
    if not rest:
        return ""
    listed = ", ".join(rest[:shown]) + (f" and {len(rest) - shown} more" if len(rest) > shown else "")
    return f"; also in {listed}"


def missing_glyph_problems(company: Company, label: str) -> list[Problem]:
    """Return one warning per character of ``company``'s record that no bundled font has, at its first field."""
    problems = []
    for char, places in _places(company).items():
        line, column = company.lines.get(places[0], (0, 0))
        problems.append(
            Problem(
                label,
                line,
                column,
                places[0],
                f"{_name(char)} is in no bundled font and would print as a box in PDFs{_also(places)}",
                "warning",
                "missing-glyph",
            )
        )
    return problems


def missing_glyph_warnings(company: Company | None, label: str, chars: Iterable[str]) -> list[str]:
    """Return one line per character a render could not print (``chars``), naming the record and field that hold it."""
    places = _places(company) if company is not None else {}
    warnings = []
    for char in dict.fromkeys(chars):
        where = places.get(char)
        if where and company is not None:
            line, column = company.lines.get(where[0], (0, 0))
            problem = Problem(label, line, column, where[0], f"{_name(char)} is in no bundled font: printed as a box")
            warnings.append(f"{problem}{_also(where)}")
        else:
            warnings.append(f"{_name(char)} is in no bundled font: printed as a box (not from the company's record)")
    return warnings


def build_coverage(fonts_dir: Path) -> str:
    """Return the text of coverage.txt for the fonts in ``fonts_dir``: one hex range per line."""
    # fontTools comes with WeasyPrint; only this maintenance step reads fonts, never a command
    from fontTools.ttLib import TTFont

    codes: set[int] = set()
    for name in FONT_FILES:
        font = TTFont(str(fonts_dir / name), lazy=True)
        codes.update(font.getBestCmap())
        font.close()
    lines = [f"# Code points the bundled fonts cover; regenerate: python -m engage.glyphs ({len(codes)} in all)"]
    ordered = sorted(codes)
    start = prev = ordered[0]
    for code in [*ordered[1:], -1]:
        if code != prev + 1:
            lines.append(f"{start:04X}" if start == prev else f"{start:04X}-{prev:04X}")
            start = code
        prev = code
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - maintenance: python -m engage.glyphs
    target = Path(str(_fonts_dir())) / COVERAGE_FILE
    target.write_text(build_coverage(target.parent), encoding="ascii")
    print(f"wrote {target}")
