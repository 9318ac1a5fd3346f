"""Links in a workspace's templates/ never let WeasyPrint or Jinja2 read files outside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engage.documents.pdf import Renderer
from engage.errors import RenderError


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "secret" / "passwd.css"
    secret.parent.mkdir()
    secret.write_text("body { color: red } /* root:x:0:0 */", encoding="utf-8")
    return secret


def test_a_stylesheet_linked_outside_templates_is_refused(tmp_path: Path, outside: Path) -> None:
    templates = tmp_path / "ws" / "templates"
    templates.mkdir(parents=True)
    (templates / "brief.css").symlink_to(outside)
    with pytest.raises(RenderError, match=r"'brief\.css' is a link to a file outside templates/"):
        Renderer(templates).stylesheet_path("brief.css")


def test_a_stylesheet_linked_inside_templates_is_fine(tmp_path: Path) -> None:
    templates = tmp_path / "ws" / "templates"
    (templates / "shared").mkdir(parents=True)
    (templates / "shared" / "house.css").write_text("body {}", encoding="utf-8")
    (templates / "brief.css").symlink_to(templates / "shared" / "house.css")
    assert Renderer(templates).stylesheet_path("brief.css") == templates / "brief.css"


def test_a_linked_templates_folder_is_refused(tmp_path: Path, outside: Path) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "templates").symlink_to(outside.parent, target_is_directory=True)
    with pytest.raises(RenderError, match="templates/ must be a real folder of the workspace"):
        Renderer(tmp_path / "ws" / "templates")


def test_a_template_linked_outside_templates_is_refused(tmp_path: Path, outside: Path) -> None:
    import jinja2

    from engage.documents.environment import make_environment

    templates = tmp_path / "ws" / "templates"
    templates.mkdir(parents=True)
    (templates / "_cover.html.j2").symlink_to(outside)
    env = make_environment(templates)
    with pytest.raises(jinja2.TemplateError, match=r"templates/_cover\.html\.j2 is a link to a file outside"):
        env.get_template("_cover.html.j2")
    packaged = env.get_template("engage/_cover.html.j2").filename  # the packaged one still loads
    assert packaged is not None and packaged.endswith("resources/templates/_cover.html.j2")


def test_a_linked_templates_folder_is_refused_for_html_too(tmp_path: Path, outside: Path) -> None:
    from engage.documents.environment import make_environment

    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "templates").symlink_to(outside.parent, target_is_directory=True)
    with pytest.raises(RenderError, match="templates/ must be a real folder of the workspace"):
        make_environment(tmp_path / "ws" / "templates")
