"""The Jinja2 environment every document shares: autoescape, StrictUndefined, workspace overrides, filters.

``make_environment`` builds it: ``engage/<name>`` always reaches the packaged template, any
other name is looked up in the workspace's ``templates/`` first, so an override can extend
the original. The filters (dates, numbers, countries, labels, reference runs) are plain
functions here, so view models and letters format text the way templates do.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .. import __version__
from ..countries import COUNTRY_NAMES
from ..dates import PartialDate
from ..errors import RenderError
from ..profile.wording import possessive

if TYPE_CHECKING:  # pragma: no cover
    from jinja2 import Environment

__all__ = [
    "STATUS_LABELS",
    "VERIFICATION_LABELS",
    "country_name",
    "country_names",
    "date_label",
    "format_number",
    "make_environment",
    "number_runs",
    "refuse_linked_templates",
    "safe_url",
    "signed",
    "slug",
    "status_label",
]

STATUS_LABELS = {
    "alleged": "Alleged",
    "under-investigation": "Under investigation",
    "legal-action": "Legal action",
    "substantiated": "Substantiated",
    "remediated": "Remediated",
    "dismissed": "Dismissed",
    "announced": "Announced",
    "in-progress": "In progress",
    "achieved": "Achieved",
    "missed": "Missed",
    "withdrawn": "Withdrawn",
}
VERIFICATION_LABELS = {
    "none": "Not verified",
    "self-reported": "Self-reported",
    "third-party": "Third-party verified",
    "certified": "Certified",
}


def safe_url(url: str | None) -> str | None:
    """Return ``url`` when it is an absolute http(s) URL with a host, else None (never a link)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def refuse_linked_templates(templates_dir: Path | None) -> None:
    """Raise RenderError when the workspace's templates/ is a symbolic link.

    Everything under templates/ may be read while rendering, so a linked folder would make
    wherever it points (say /etc) readable.
    """
    if templates_dir is not None and templates_dir.is_symlink():
        raise RenderError(f"{templates_dir} is a symbolic link; templates/ must be a real folder of the workspace")


def make_environment(templates_dir: Path | None = None) -> Environment:
    """Return the Jinja2 environment for engage documents; raise RenderError if Jinja2 is missing.

    Lookup order: ``engage/<name>`` always means the packaged template; any other name is
    looked up in the workspace's ``templates/`` first, then in the packaged templates.
    Autoescaping is on for every template (``.j2`` included) and undefined names fail.
    """
    try:
        # jinja2 only when a document is made: `engage list` and `engage check` never pay for it
        from jinja2 import (
            ChoiceLoader,
            Environment,
            FileSystemLoader,
            PackageLoader,
            PrefixLoader,
            StrictUndefined,
            TemplateError,
        )
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise RenderError(f"Jinja2 is not installed: {exc}") from exc

    class WorkspaceLoader(FileSystemLoader):
        """A FileSystemLoader that will not follow a link out of the workspace's templates/."""

        def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
            source, filename, uptodate = super().get_source(environment, template)
            root = Path(self.searchpath[0]).resolve()
            if not Path(filename).resolve().is_relative_to(root):
                raise TemplateError(f"templates/{template} is a link to a file outside templates/: refused")
            return source, filename, uptodate

    packaged = PackageLoader("engage", "resources/templates")
    loaders: list[Any] = [PrefixLoader({"engage": packaged}, delimiter="/")]
    refuse_linked_templates(templates_dir)
    if templates_dir is not None and templates_dir.is_dir():
        loaders.append(WorkspaceLoader(str(templates_dir)))
    loaders.append(packaged)
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(
        {
            "safe_url": safe_url,
            "date_label": date_label,
            "num": format_number,
            "country": country_name,
            "countries": country_names,
            "label": status_label,
            "slug": slug,
            "signed": signed,
            "possessive": possessive,
            "runs": number_runs,
            "text_dir": text_dir,
        }
    )
    env.globals.update({"engage_version": __version__})
    return env


def text_dir(text: object) -> str:
    """Return "rtl" or "ltr" from the first strong character of ``text`` (HTML's dir="auto" rule), "" if none.

    WeasyPrint ignores dir="auto", so templates put the direction it would find on the
    element holding record text: an Arabic or Hebrew summary then reads right to left.
    """
    for char in str(text or ""):
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return ""


def number_runs(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Return reference numbers as printed, in order: runs of three or more as (first, last), others alone.

    [1, 2, 3, 5, 6] -> [(1, 3), (5, 5), (6, 6)]: the brief's markers and the letters' notes
    all print "1–3, 5, 6" from this one rule.
    """
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    printed: list[tuple[int, int]] = []
    for first, last in runs:
        printed.extend([(first, last)] if last - first >= 2 else [(n, n) for n in range(first, last + 1)])
    return printed


def date_label(value: PartialDate | dt.date | None, empty: str = "undated") -> str:
    """Return a date as prose ('4 July 2024', 'July 2024', '2024'), or ``empty``."""
    if value is None:
        return empty
    if isinstance(value, PartialDate):
        return value.label()
    return f"{value.day} {value:%B %Y}"


def format_number(value: float | None, digits: int = 1) -> str:
    """Return a score with ``digits`` decimals ('–' for None)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.{digits}f}"


def signed(value: float, digits: int = 1) -> str:
    """Return a change with its sign, using a true minus sign ('+3.2', '−14.8')."""
    text = f"{value:+.{digits}f}"
    return text.replace("-", "\u2212")


def country_name(code: str) -> str:
    """Return the short English name of an ISO 3166-1 alpha-2 code (the code if unknown)."""
    return COUNTRY_NAMES.get(code, code)


def country_names(codes: Iterable[str]) -> str:
    """Return country names joined with commas."""
    return ", ".join(country_name(c) for c in codes)


def status_label(value: str) -> str:
    """Return the display label of a status, severity, band or verification keyword."""
    return STATUS_LABELS.get(value) or VERIFICATION_LABELS.get(value) or value.replace("-", " ").capitalize()


def slug(value: str) -> str:
    """Return a CSS-class-safe form of a keyword."""
    return "".join(ch if ch.isalnum() else "-" for ch in value.lower())
