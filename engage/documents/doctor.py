"""``engage doctor``'s checks: WeasyPrint, Pango, HarfBuzz and its subsetter, the bundled fonts, a test render.

Each check names the exact command that fixes it. Nothing here prints or raises: the CLI
shows the report.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..glyphs import FONT_FILES
from .pdf import Renderer, one_line, packaged_resources

__all__ = ["BUNDLED_FONT_FILES", "Check", "DoctorReport", "bundled_fonts", "doctor_report"]

#: The bundled font files, relative to ``engage/resources/fonts`` (the ones whose characters make the coverage).
BUNDLED_FONT_FILES = FONT_FILES
WEASYPRINT_MIN_VERSION = (70, 0)


@dataclass(frozen=True)
class Check:
    """One doctor finding; ``fix`` is the exact command to run when ``ok`` is false."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # True: works, but slower or degraded


@dataclass(frozen=True)
class DoctorReport:
    """Everything ``engage doctor`` shows; ``ok`` only when every check passed."""

    checks: tuple[Check, ...]
    render_seconds: float | None = None
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Return whether every check passed."""
        return all(check.ok for check in self.checks)

    @property
    def fixes(self) -> tuple[str, ...]:
        """Return the fixes of the failed checks, each once, in check order."""
        seen: list[str] = []
        for check in self.checks:
            if not check.ok and check.fix and check.fix not in seen:
                seen.append(check.fix)
        return tuple(seen)


def _apt(*packages: str) -> str:
    if sys.platform == "darwin":
        return "brew install pango harfbuzz"
    return "sudo apt-get install " + " ".join(packages)


_PANGO_FIX = ("libpango-1.0-0", "libpangoft2-1.0-0")
_HARFBUZZ_FIX = ("libharfbuzz0b",)
_SUBSET_FIX = ("libharfbuzz-subset0",)
_WEASYPRINT_FIX = ".venv/bin/pip install 'weasyprint==70.0'"
_REINSTALL_FIX = ".venv/bin/pip install --force-reinstall --no-deps ."

_DOCTOR_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>engage doctor</title></head>
<body><h1>engage doctor</h1><p>Supply-chain risk <strong>test render</strong> —
<em>émissions, Größe, ÆØÅ, €1,234.56</em>.</p>
<table><thead><tr><th>Area</th><th>Band</th></tr></thead>
<tbody><tr><td>Forced labour</td><td>High</td></tr></tbody></table></body></html>"""


def _harfbuzz_version() -> str | None:
    """Return HarfBuzz's version string via ``hb_version_string`` (not in WeasyPrint's cffi defs)."""
    names = ["libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll"]
    found = ctypes.util.find_library("harfbuzz")
    if found:
        names.insert(0, found)
    for name in names:
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        func = lib.hb_version_string
        func.restype = ctypes.c_char_p
        value = func()
        return value.decode() if value else None
    return None


def bundled_fonts() -> list[Path]:
    """Return the bundled font files that exist (see BUNDLED_FONT_FILES)."""
    fonts_dir = packaged_resources() / "fonts"
    return [fonts_dir / name for name in BUNDLED_FONT_FILES if (fonts_dir / name).is_file()]


def doctor_report(renderer: Renderer | None = None, *, test_render: bool = True) -> DoctorReport:
    """Check that rendering will work and how fast; never raises, never prints."""
    checks: list[Check] = []
    versions: dict[str, str] = {}
    try:
        # WeasyPrint loads here, inside the check, so a missing library is a finding, not a crash
        import weasyprint
        from weasyprint.text import ffi as wffi  # (the same reason)
    except OSError as exc:
        fix = _apt(*_PANGO_FIX, *_HARFBUZZ_FIX)
        checks.append(Check("WeasyPrint", False, f"a system library is missing: {one_line(exc)}", fix))
        return DoctorReport(tuple(checks), None, versions)
    except ImportError as exc:
        checks.append(Check("WeasyPrint", False, f"not installed: {one_line(exc)}", _WEASYPRINT_FIX))
        return DoctorReport(tuple(checks), None, versions)
    checks.append(_weasyprint_check(weasyprint.__version__, versions))
    checks.append(_pango_check(wffi, versions))
    checks.extend(_harfbuzz_checks(wffi, versions))
    checks.append(_fonts_check())
    seconds: float | None = None
    if test_render:
        check, seconds = _test_render(renderer)
        checks.append(check)
    return DoctorReport(tuple(checks), seconds, versions)


def _weasyprint_check(wp_version: str, versions: dict[str, str]) -> Check:
    """Return whether WeasyPrint is new enough."""
    versions["weasyprint"] = wp_version
    major_minor = tuple(int(p) for p in wp_version.split(".")[:2] if p.isdigit())
    wp_ok = major_minor >= WEASYPRINT_MIN_VERSION
    return Check(
        "WeasyPrint",
        wp_ok,
        f"version {wp_version}" + ("" if wp_ok else " (engage needs 70.0 or newer)"),
        "" if wp_ok else _WEASYPRINT_FIX,
    )


def _pango_check(wffi: Any, versions: dict[str, str]) -> Check:
    """Return whether Pango is new enough: WeasyPrint 70 needs 1.44 or newer."""
    raw = int(wffi.pango.pango_version())
    pango_version = f"{raw // 10000}.{raw // 100 % 100}.{raw % 100}"
    versions["pango"] = pango_version
    pango_ok = raw >= 14400
    return Check(
        "Pango",
        pango_ok,
        f"version {pango_version}" + ("" if pango_ok else " (needs 1.44+)"),
        "" if pango_ok else _apt(*_PANGO_FIX),
    )


def _harfbuzz_checks(wffi: Any, versions: dict[str, str]) -> tuple[Check, Check]:
    """Return whether HarfBuzz is found, and whether its subsetter is used (else fontTools, slower)."""
    hb_version = _harfbuzz_version()
    versions["harfbuzz"] = hb_version or "unknown"
    found = Check(
        "HarfBuzz",
        hb_version is not None,
        f"version {hb_version}" if hb_version else "libharfbuzz not found",
        "" if hb_version else _apt(*_HARFBUZZ_FIX),
    )
    # WeasyPrint subsets fonts with HarfBuzz only when libharfbuzz-subset loaded and
    # HarfBuzz is 4.1.0+ (weasyprint/pdf/fonts.py: Font.subset); otherwise fontTools.
    subset_loaded = wffi.harfbuzz_subset is not None
    subset_used = bool(subset_loaded and wffi.harfbuzz.hb_version_atleast(4, 1, 0))
    if subset_used:
        detail = "libharfbuzz-subset is used for font subsetting"
    elif subset_loaded:
        detail = "libharfbuzz-subset found but HarfBuzz is older than 4.1.0: fontTools is used (slower)"
    else:
        detail = "libharfbuzz-subset not found: fonts are subset with fontTools (about 3x slower)"
    subsetter = Check(
        "HarfBuzz subsetter",
        subset_used,
        detail,
        "" if subset_used else _apt(*_SUBSET_FIX),
        warning=not subset_used,
    )
    return found, subsetter


def _fonts_check() -> Check:
    """Return whether every bundled font file is installed."""
    fonts = bundled_fonts()
    missing = [name for name in BUNDLED_FONT_FILES if name not in {p.name for p in fonts}]
    return Check(
        "Bundled fonts",
        not missing,
        f"{len(fonts)} of {len(BUNDLED_FONT_FILES)} found in {packaged_resources() / 'fonts'}"
        + (f"; missing {', '.join(missing)}" if missing else ""),
        _REINSTALL_FIX if missing else "",
    )


def _test_render(renderer: Renderer | None) -> tuple[Check, float | None]:
    """Return the test render's finding and how long it took (None when it failed)."""
    try:
        renderer = renderer or Renderer()
        started = time.perf_counter()
        result = renderer.render(_DOCTOR_HTML, title="engage doctor", lang="en", as_of=date(2000, 1, 1))
        seconds = time.perf_counter() - started
    except Exception as exc:  # doctor reports, it does not raise
        return Check("Test render", False, one_line(exc), _apt(*_PANGO_FIX, *_HARFBUZZ_FIX, *_SUBSET_FIX)), None
    if result.machine_fonts:
        detail = f"rendered in {seconds:.2f}s but used machine fonts: {', '.join(result.machine_fonts)}"
        return Check("Test render", False, detail, _REINSTALL_FIX), seconds
    detail = (
        f"{result.pages} page, {len(result.pdf) // 1024} KB in {seconds:.2f}s"
        f" with the bundled {', '.join(result.fonts) or 'fonts'}"
    )
    return Check("Test render", True, detail), seconds
