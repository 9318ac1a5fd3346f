"""Fake document kinds for the batch tests: no WeasyPrint, bytes that follow the inputs, failures on demand.

Workers import this module by name to unpickle the kinds, so it must stay importable from
the tests folder (pytest puts it on sys.path; subprocess tests set PYTHONPATH). A company
whose name contains a marker misbehaves: ``render-fail`` raises RenderError, ``base-fail``
raises a BaseException subclass (as WeasyPrint's fetch errors do), ``crash`` kills its
worker, ``slow`` sleeps FAKE_SLOW seconds (default 0.3) before writing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from engage.batch.kinds import DocumentKind, RenderContext
from engage.errors import RenderError


class FatalFake(BaseException):
    """Stands in for WeasyPrint's FatalURLFetchingError, which is not an Exception."""


def _misbehave(company: Any) -> None:
    name = company.name.lower()
    if "render-fail" in name:
        raise RenderError("template error in brief.html.j2: boom")
    if "base-fail" in name:
        raise FatalFake("fatal fetch of file:///etc/passwd")
    if "crash" in name:
        os._exit(7)
    if "slow" in name or os.environ.get("FAKE_SLOW_ALL"):
        time.sleep(float(os.environ.get("FAKE_SLOW", "0.3")))


def fake_brief(company: Any, profile: Any, context: RenderContext, renderer: Any) -> Mapping[str, bytes]:
    """Return a 'brief' whose bytes change with the record's name, the profile and the peer rank."""
    _misbehave(company)
    rank = profile.rank()
    text = f"%PDF-fake brief {company.id} {company.name} {profile.overall.net} {rank} {context.paper}"
    return {"brief.pdf": text.encode()}


def fake_letter(company: Any, profile: Any, context: RenderContext, renderer: Any) -> Mapping[str, bytes]:
    """Return a 'letter' that uses the company's own questions only."""
    _misbehave(company)
    return {"letter.md": f"letter to {company.name}: {len(profile.questions)} questions\n".encode()}


def brief_files(context: RenderContext) -> tuple[str, ...]:
    return ("brief.pdf",)


def letter_files(context: RenderContext) -> tuple[str, ...]:
    return ("letter.md",)


def brief_options(context: RenderContext) -> Mapping[str, Any]:
    return {"paper": context.paper}


def letter_options(context: RenderContext) -> Mapping[str, Any]:
    return {"stage": context.stage}


FAKE_KINDS: dict[str, DocumentKind] = {
    "brief": DocumentKind("brief", fake_brief, brief_files, brief_options, needs_renderer=False),
    "letter": DocumentKind("letter", fake_letter, letter_files, letter_options, uses_peers=False, needs_renderer=False),
}


class FakeRenderer:
    """Answers Renderer.render with a tiny fake PDF (for the index)."""

    def __init__(self, templates_dir: Any = None) -> None:
        self.templates_dir = templates_dir

    def render(self, html: str, **kwargs: Any) -> Any:
        assert "<html" in html
        return SimpleNamespace(pdf=b"%PDF-fake index " + str(len(html)).encode())


def fake_renderer(templates_dir: Any) -> FakeRenderer:
    """A renderer factory for workers."""
    return FakeRenderer(templates_dir)
