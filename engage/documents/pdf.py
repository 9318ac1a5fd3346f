"""The restricted WeasyPrint renderer: a URL fetcher that reads only allowed files, bundled fonts, PDF/UA output.

WeasyPrint itself is imported only inside the functions that render, so importing this
module costs nothing to a command that makes no PDF."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from importlib import resources as importlib_resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit
from urllib.request import DataHandler, Request, url2pathname

from .. import __version__
from ..errors import RenderError
from .environment import refuse_linked_templates

if TYPE_CHECKING:  # pragma: no cover - imported lazily at run time
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = [
    "BASE_STYLESHEETS",
    "BUNDLED_FONT_FAMILIES",
    "BUNDLED_FONT_FAMILY",
    "PAPER_SIZES",
    "PdfResult",
    "RefusedURL",
    "RenderedFiles",
    "Renderer",
    "make_fetcher",
    "one_line",
    "packaged_resources",
    "stylesheet_file",
]

#: The CSS family name of the bundled Latin font; unique so a system "Inter" is never picked instead.
BUNDLED_FONT_FAMILY = "Engage Sans"
#: Every bundled family (fonts.css), in the order of print.css's stack.
BUNDLED_FONT_FAMILIES = (BUNDLED_FONT_FAMILY, "Engage Sans Arabic", "Engage Sans Hebrew", "Engage Sans CJK")
#: WeasyPrint's warning for a character no font had (weasyprint/draw/text.py); the render
#: turns the one-per-occurrence warnings into ``PdfResult.missing_glyphs``.
_NOTDEF_RE = re.compile(
    r'^\.notdef glyph rendered for Unicode string unsupported by fonts: ".*" \(U\+([0-9A-F]{4,6})\)$'
)
#: Packaged stylesheets every document gets, in order (fonts first).
BASE_STYLESHEETS = ("fonts.css", "print.css")
PAPER_SIZES = {"a4": "A4", "letter": "letter"}
MAX_RESOURCE_BYTES = 32 * 1024 * 1024

_MIME_TYPES = {
    ".css": "text/css",
    ".otf": "font/otf",
    ".ttf": "font/ttf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".html": "text/html",
    ".icc": "application/vnd.iccprofile",
}

_resources_stack = contextlib.ExitStack()
_resources_path: Path | None = None
_resources_lock = threading.Lock()


def packaged_resources() -> Path:
    """Return the real directory of ``engage/resources`` (kept materialised for the process)."""
    global _resources_path
    with _resources_lock:
        if _resources_path is None:
            traversable = importlib_resources.files("engage") / "resources"
            path = _resources_stack.enter_context(importlib_resources.as_file(traversable))
            _resources_path = Path(path).resolve()
        return _resources_path


def stylesheet_file(name: str, templates_dir: Path | None) -> Path:
    """Return the file a stylesheet name resolves to: the workspace's templates/ first, then the packaged css.

    Raises RenderError for a name that is not a bare ``*.css`` file name, a stylesheet that
    is a link to a file outside templates/ and the packaged resources, or one that is missing.
    """
    if Path(name).name != name or not name.endswith(".css"):
        raise RenderError(f"stylesheet name must be a bare *.css file name, not {name!r}")
    resources_dir = packaged_resources()
    roots = [resources_dir]
    candidates = []
    if templates_dir is not None:
        roots.append(templates_dir.resolve())
        candidates.append(templates_dir / name)
    candidates.append(resources_dir / "css" / name)
    for candidate in candidates:
        if candidate.is_file():
            real = candidate.resolve()
            if not any(real.is_relative_to(root) for root in roots):
                raise RenderError(f"stylesheet {name!r} is a link to a file outside templates/: refused")
            return candidate
    raise RenderError(f"stylesheet {name!r} not found in templates/ or the packaged css")


# --------------------------------------------------------------------------- fetcher


@dataclass(frozen=True)
class RefusedURL:
    """One resource the fetcher would not read, and why."""

    url: str
    reason: str

    def __str__(self) -> str:
        return f"refused {_shorten(self.url)}: {self.reason}"


class _RefusedError(ValueError):
    """Raised inside ``fetch``; WeasyPrint turns it into a logged warning and skips the resource."""


def make_fetcher(roots: Sequence[Path], *, allow_data: bool = False) -> URLFetcher:
    """Return a WeasyPrint URL fetcher that reads only regular files under ``roots``.

    Everything else is refused: http(s) and every other network scheme, ``file:`` URLs
    outside the roots, symlinks whose target lies outside the roots, and ``data:`` URIs
    unless ``allow_data``. A refusal raises an ordinary exception inside ``fetch`` so
    WeasyPrint logs it and skips that resource instead of aborting the render; the
    refusals are also kept in ``fetcher.refusals``.
    """
    return _fetcher_class()(roots, allow_data=allow_data)


_FETCHER_CLASS: type | None = None


def _fetcher_class() -> type:
    """Build the URLFetcher subclass lazily so importing this module does not import WeasyPrint."""
    global _FETCHER_CLASS
    if _FETCHER_CLASS is not None:
        return _FETCHER_CLASS

    # WeasyPrint loads only when a PDF is made (see the module docstring)
    from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

    class RestrictedFetcher(URLFetcher):  # type: ignore[misc]
        """A URLFetcher that serves files under an allow-list of directories and nothing else."""

        def __init__(self, roots: Sequence[Path], *, allow_data: bool = False) -> None:
            # No redirects and no fatal errors: refusals must be skipped, never abort.
            super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
            self.roots: tuple[Path, ...] = tuple(Path(r).resolve() for r in roots)
            self.allow_data = allow_data
            self.refusals: list[RefusedURL] = []
            self.fetched: list[str] = []
            #: Once layout is done nothing may be fetched: WeasyPrint fetches attachments
            #: while writing, and the brief never needs one.
            self.locked = False

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            try:
                return self._fetch(url)
            except _RefusedError as exc:
                self.refusals.append(RefusedURL(url, str(exc)))
                raise

        def _fetch(self, url: str) -> URLFetcherResponse:
            if self.locked:
                raise _RefusedError("nothing may be fetched while the PDF is written")
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                if not self.allow_data:
                    raise _RefusedError("data: URIs are not allowed")
                response = DataHandler().data_open(Request(url))
                return URLFetcherResponse(url, response.read(), dict(response.headers.items()))
            if scheme != "file":
                raise _RefusedError(f"the {scheme or 'missing'} scheme is not allowed")
            path = self._check_path(url)
            data = self._read(path)
            self.fetched.append(str(path))
            mime = _MIME_TYPES.get(path.suffix.lower(), "application/octet-stream")
            return URLFetcherResponse(path2url(str(path)), data, {"Content-Type": mime})

        def _check_path(self, url: str) -> Path:
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                raise _RefusedError(f"remote file host {parts.netloc!r} is not allowed")
            raw = url2pathname(unquote(parts.path))
            if not raw or "\x00" in raw:
                raise _RefusedError("empty or malformed path")
            try:
                resolved = Path(raw).resolve(strict=True)
            except (OSError, RuntimeError) as exc:
                raise _RefusedError(f"cannot resolve path ({_oserror_reason(exc)})") from None
            if not self._contained(resolved):
                if resolved != Path(os.path.abspath(raw)):
                    raise _RefusedError("symlink resolves outside the allowed folders")
                raise _RefusedError("outside the allowed folders")
            return resolved

        def _contained(self, path: Path) -> bool:
            return any(path == root or path.is_relative_to(root) for root in self.roots)

        def _read(self, path: Path) -> bytes:
            return _read_contained(path, self._contained)

    _FETCHER_CLASS = RestrictedFetcher
    return RestrictedFetcher


def _read_contained(path: Path, contained: Callable[[Path], bool]) -> bytes:
    """Return the bytes of the regular file ``path``, refusing what ``contained`` rejects once opened."""
    # O_NONBLOCK: opening a FIFO planted in templates/ must not hang the render.
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise _RefusedError(f"cannot open ({_oserror_reason(exc)})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _RefusedError("not a regular file")
        if info.st_size > MAX_RESOURCE_BYTES:
            raise _RefusedError(f"larger than {MAX_RESOURCE_BYTES // 2**20} MB")
        # Re-check what was actually opened: a path component swapped for a
        # symlink between resolve() and open() must not let a file out.
        proc = Path(f"/proc/self/fd/{fd}")
        if proc.exists() and not contained(Path(os.path.realpath(proc))):
            raise _RefusedError("opened file lies outside the allowed folders")
        chunks = []
        remaining = MAX_RESOURCE_BYTES + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise _RefusedError(f"cannot read ({_oserror_reason(exc)})") from None
    finally:
        os.close(fd)
    if len(data) > MAX_RESOURCE_BYTES:
        raise _RefusedError(f"larger than {MAX_RESOURCE_BYTES // 2**20} MB")
    return data


def _oserror_reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or type(exc).__name__


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- renderer


@dataclass(frozen=True)
class PdfResult:
    """A rendered PDF with what WeasyPrint reported while making it."""

    pdf: bytes
    pages: int
    warnings: tuple[str, ...]
    refused: tuple[RefusedURL, ...]
    seconds: float  # time spent inside WeasyPrint (parse, layout, write)
    fonts: tuple[str, ...] = ()  # font families embedded in the PDF
    machine_fonts: tuple[str, ...] = ()  # of those, the ones not from the bundled files
    #: Characters no bundled font has, each once, in order of first use; they print as boxes
    #: (the PDF's text still holds them). WeasyPrint's per-occurrence warnings are left out.
    missing_glyphs: tuple[str, ...] = ()


class RenderedFiles(dict[str, bytes]):
    """One document's files ``{name: bytes}``, with what the sender should know about them.

    ``missing_glyphs``: the characters no bundled font had (each once); ``warnings``: lines
    naming them with the record and field, filled in by whoever knows the company.
    """

    missing_glyphs: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


class _LogCollector(logging.Handler):
    """Collects WeasyPrint's warnings and errors during one render."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not break the render
            message = str(record.msg)
        self.messages.append(" ".join(message.split()))


class Renderer:
    """Turns HTML into PDF/UA-1 bytes with the bundled fonts; build one per process and reuse it.

    ``templates_dir`` is the workspace's ``templates/`` folder: the only place besides the
    packaged resources that WeasyPrint may read from. A stylesheet name given to
    :meth:`render` is looked up there first, then in ``engage/resources/css``.
    """

    def __init__(self, templates_dir: Path | None = None, *, allow_data: bool = False) -> None:
        try:
            # WeasyPrint loads only when a renderer is made; a missing system library is reported here
            from weasyprint.text.fonts import FontConfiguration
        except (ImportError, OSError) as exc:  # OSError: a missing system library
            raise RenderError(f"WeasyPrint cannot be loaded ({one_line(exc)}); run `engage doctor`") from exc
        self.resources_dir = packaged_resources()
        self.css_dir = self.resources_dir / "css"
        refuse_linked_templates(templates_dir)
        self.templates_dir = templates_dir.resolve() if templates_dir else None
        roots = [self.resources_dir]
        if self.templates_dir is not None:
            roots.append(self.templates_dir)
        self.roots: tuple[Path, ...] = tuple(roots)
        self.allow_data = allow_data
        self.font_config: FontConfiguration = _bundled_font_configuration(
            FontConfiguration, self.resources_dir / "fonts" / "fonts.conf"
        )
        self._css_fetcher = make_fetcher(self.roots, allow_data=allow_data)
        self._css_cache: dict[tuple[str, int, int], CSS] = {}
        self._lock = threading.Lock()

    # -- stylesheets

    def stylesheet_path(self, name: str) -> Path:
        """Return the file a stylesheet name resolves to (workspace templates first); raise RenderError."""
        return stylesheet_file(name, self.templates_dir)

    def _stylesheet(self, name: str) -> CSS:
        from weasyprint import CSS  # WeasyPrint loads only when a PDF is made

        path = self.stylesheet_path(name)
        info = path.stat()
        key = (str(path), info.st_mtime_ns, info.st_size)
        css = self._css_cache.get(key)
        if css is None:
            from weasyprint.urls import path2url  # WeasyPrint loads only when a PDF is made

            try:
                css = CSS(
                    url=path2url(str(path)),
                    url_fetcher=self._css_fetcher,
                    font_config=self.font_config,
                )
            except (KeyboardInterrupt, SystemExit, GeneratorExit):
                raise
            except BaseException as exc:  # WeasyPrint's fetch errors include BaseException subclasses
                refusals = self._css_fetcher.refusals
                reason = str(refusals[-1]) if refusals else one_line(exc)
                raise RenderError(f"stylesheet {name!r} cannot be used: {reason}") from exc
            self._css_cache[key] = css
        return css

    def _paper(self, paper: str, landscape: bool = False) -> CSS:
        from weasyprint import CSS  # WeasyPrint loads only when a PDF is made

        if paper not in PAPER_SIZES:
            raise RenderError(f"unknown paper size {paper!r}; choose one of {', '.join(PAPER_SIZES)}")
        size = f"{PAPER_SIZES[paper]} landscape" if landscape else PAPER_SIZES[paper]
        key = (f"paper:{size}", 0, 0)
        css = self._css_cache.get(key)
        if css is None:
            css = CSS(string=f"@page {{ size: {size}; }}", font_config=self.font_config)
            self._css_cache[key] = css
        return css

    # -- rendering

    def html_to_pdf(
        self,
        html: str,
        *,
        base_url: str | Path | None = None,
        title: str,
        lang: str,
        as_of: date,
        author: str = "",
        subject: str = "",
        keywords: Sequence[str] = (),
        creator: str = f"engage {__version__}",
        stylesheets: Sequence[str] = (),
        paper: str = "a4",
    ) -> bytes:
        """Return the PDF bytes for ``html``; raise RenderError with a one-line reason on failure."""
        return self.render(
            html,
            base_url=base_url,
            title=title,
            lang=lang,
            as_of=as_of,
            author=author,
            subject=subject,
            keywords=keywords,
            creator=creator,
            stylesheets=stylesheets,
            paper=paper,
        ).pdf

    def render(
        self,
        html: str,
        *,
        base_url: str | Path | None = None,
        title: str,
        lang: str,
        as_of: date,
        author: str = "",
        subject: str = "",
        keywords: Sequence[str] = (),
        creator: str = f"engage {__version__}",
        stylesheets: Sequence[str] = (),
        paper: str = "a4",
        landscape: bool = False,
        relative_links: bool = False,
    ) -> PdfResult:
        """Render ``html`` to a tagged PDF/UA-1 document; raise RenderError with a one-line reason.

        Metadata (title, language, author, subject, keywords, creator, creation and
        modification dates) comes from the arguments, not the clock: identical inputs give
        byte-identical output. Only http(s) links survive; attachments are never embedded.
        ``landscape`` turns the paper sideways (the dashboard's wide table).
        ``relative_links`` keeps the links the HTML writes as relative paths inside the
        output folder ('volkswagen/brief.pdf'), still relative: see ``_keep_links``.
        """
        if not title.strip():
            raise RenderError("a PDF/UA document needs a title")
        if not lang.strip():
            raise RenderError("a PDF/UA document needs a language (html lang)")
        sheets = [self._stylesheet(name) for name in (*BASE_STYLESHEETS, *stylesheets)]
        sheets.append(self._paper(paper, landscape))
        if base_url is None:
            base_url = self.templates_dir or self.resources_dir
        base = str(base_url)
        if "://" not in base:
            from weasyprint.urls import path2url  # WeasyPrint loads only when a PDF is made

            base = path2url(base if base.endswith("/") else base + "/")

        with self._lock, _collect_weasyprint_logs() as collector, _source_date_epoch(as_of):
            fetcher = make_fetcher(self.roots, allow_data=self.allow_data)
            started = time.perf_counter()
            try:
                pdf, pages, fonts, machine_fonts = self._render_locked(
                    html, base, fetcher, sheets, title, lang, as_of, author, subject, keywords, creator, relative_links
                )
            except (KeyboardInterrupt, SystemExit, GeneratorExit):
                raise
            except RenderError:
                raise
            except BaseException as exc:  # WeasyPrint's FatalURLFetchingError is a BaseException
                reason = one_line(exc)
                if fetcher.refusals and type(exc).__name__ == "URLFetchingError":
                    # Some rules (@color-profile) let a fetch failure escape WeasyPrint.
                    reason = str(fetcher.refusals[-1])
                raise RenderError(f"WeasyPrint failed: {reason}") from exc
            seconds = time.perf_counter() - started
        if not pdf.startswith(b"%PDF-") or b"%%EOF" not in pdf[-64:]:
            raise RenderError("WeasyPrint produced an incomplete PDF")
        warnings, missing = _split_missing_glyphs(collector.messages)
        return PdfResult(
            pdf=pdf,
            pages=pages,
            warnings=warnings,
            missing_glyphs=missing,
            refused=tuple(fetcher.refusals),
            seconds=seconds,
            fonts=fonts,
            machine_fonts=machine_fonts,
        )

    def _render_locked(
        self,
        html: str,
        base_url: str,
        fetcher: Any,
        sheets: list[CSS],
        title: str,
        lang: str,
        as_of: date,
        author: str,
        subject: str,
        keywords: Sequence[str],
        creator: str,
        relative_links: bool = False,
    ) -> tuple[bytes, int, tuple[str, ...], tuple[str, ...]]:
        from weasyprint import HTML  # WeasyPrint loads only when a PDF is made

        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
            font_config=self.font_config,
            stylesheets=sheets,
            pdf_variant="pdf/ua-1",
            attachments=None,
            pdf_identifier=True,  # /ID from a hash of the content: stable for stable input
        )
        fetcher.locked = True
        _keep_links(document, base_url if relative_links else None)
        metadata = document.metadata
        metadata.attachments = []
        metadata.title = title
        metadata.lang = lang
        metadata.authors = [author] if author else []
        metadata.description = subject or None
        metadata.keywords = [k for k in keywords if k]
        metadata.generator = creator
        metadata.created = metadata.modified = as_of.isoformat()
        metadata.custom = {}
        metadata.xmp_metadata = []
        output = io.BytesIO()
        document.write_pdf(
            output,
            pdf_variant="pdf/ua-1",
            attachments=None,
            pdf_identifier=True,
        )
        # Our @font-face family names exist only for the bundled files, so any other family
        # in the PDF is a machine font (fontconfig is given none, so this is a safety net).
        fonts = {font.family for font in document.fonts.values()}
        machine = {family for family in fonts if family not in BUNDLED_FONT_FAMILIES}
        return output.getvalue(), len(document.pages), tuple(sorted(fonts)), tuple(sorted(machine))


def _split_missing_glyphs(messages: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return (the other warnings, each character no font had once) from WeasyPrint's log of one render."""
    others: list[str] = []
    missing: dict[str, None] = {}
    for message in messages:
        match = _NOTDEF_RE.match(message)
        if match is None:
            others.append(message)
        else:
            missing[chr(int(match.group(1), 16))] = None
    return tuple(dict.fromkeys(others)), tuple(missing)


_fontconfig_lock = threading.Lock()


def _bundled_font_configuration(factory: type[FontConfiguration], conf: Path) -> FontConfiguration:
    """Return a WeasyPrint FontConfiguration that knows none of the machine's fonts.

    WeasyPrint loads the machine's fontconfig setup (every installed font); Pango then falls
    back to any of them for a character the named families lack, and the PDF depends on the
    machine that made it. Loading ``conf`` (no font folders, no rules) instead leaves only
    the fonts that fonts.css adds: a missing character becomes a reported box, never a
    machine font. fontconfig reads FONTCONFIG_FILE when the configuration is made, so it is
    set only for that moment.
    """
    with _fontconfig_lock:
        old = os.environ.get("FONTCONFIG_FILE")
        os.environ["FONTCONFIG_FILE"] = str(conf)
        try:
            return factory()
        finally:
            if old is None:
                os.environ.pop("FONTCONFIG_FILE", None)
            else:
                os.environ["FONTCONFIG_FILE"] = old


def _keep_links(document: Any, relative_base: str | None = None) -> None:
    """Keep internal links and http(s) links; drop attachments and every other scheme.

    With ``relative_base`` (the base URL the HTML was rendered with), a link the HTML wrote
    as a relative path below it ('volkswagen/brief.pdf', which WeasyPrint has joined to the
    base) is kept as that relative path again: WeasyPrint writes it as a URI action, which
    a PDF reader resolves against the PDF's own location (ISO 32000-1, 12.6.4.7, when the
    catalog has no base URI). So the folder can be moved or zipped and the links still
    work; no absolute path of the machine that made the PDF is written; and linking is not
    loading: the fetcher never sees these URLs. Any other ``file:`` link is dropped.
    """
    prefixes = _base_prefixes(relative_base) if relative_base else ()
    for page in document.pages:
        kept = []
        for link in page.links:
            kind, target = link[0], link[1]
            if kind == "internal" or (kind == "external" and urlsplit(target).scheme.lower() in ("http", "https")):
                kept.append(link)
            elif kind == "external" and (relative := _relative_target(target, prefixes)) is not None:
                kept.append((kind, relative, *link[2:]))
        page.links = kept


def _base_prefixes(base_url: str) -> tuple[str, ...]:
    """Return the spellings of ``base_url`` a joined link can start with (as given, and as WeasyPrint quotes it)."""
    from weasyprint.urls import iri_to_uri  # WeasyPrint loads only when a PDF is made

    base = base_url if base_url.endswith("/") else base_url + "/"
    return tuple(dict.fromkeys((base, iri_to_uri(base))))


def _relative_target(target: str, prefixes: Sequence[str]) -> str | None:
    """Return ``target`` relative to the first of ``prefixes`` it starts with, or None.

    None too for what would not stay inside the folder or is not a plain relative path.
    """
    for prefix in prefixes:
        if target.startswith(prefix):
            rest = target[len(prefix) :]
            path = urlsplit(rest).path
            if rest and path and not path.startswith("/") and ":" not in path.split("/", 1)[0]:
                if ".." not in path.split("/"):
                    return rest
    return None


@contextlib.contextmanager
def _collect_weasyprint_logs() -> Iterator[_LogCollector]:
    """Capture WeasyPrint's warnings for one render, whatever the application's log config."""
    logger = logging.getLogger("weasyprint")
    collector = _LogCollector()
    old_level = logger.level
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        logger.setLevel(old_level)


_epoch_lock = threading.Lock()


@contextlib.contextmanager
def _source_date_epoch(as_of: date) -> Iterator[None]:
    """Set SOURCE_DATE_EPOCH from the as-of date: fontTools stamps it into subset fonts."""
    stamp = int(datetime(as_of.year, as_of.month, as_of.day, tzinfo=timezone.utc).timestamp())
    with _epoch_lock:
        old = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(stamp)
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = old


def one_line(exc: BaseException) -> str:
    """Return an exception as one short line: its type and its message with whitespace folded."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return _shorten(f"{type(exc).__name__}: {text}" if str(exc) else text, 200)
