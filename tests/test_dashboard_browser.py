"""The dashboard in a real browser: headless Chromium (Debian's) driven through Selenium.

The page is written by ``engage dashboard`` from a copy of the shipped workspace, with an
overdue engagement and a company whose name is markup added; one slow test runs
``engage batch --all`` for the issue's first bar. Every test also checks that the page sent
no request but its own file and logged no console error.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import chromium, missing_reason, requests_made
from click.testing import CliRunner

from engage.cli.main import cli

REPO = Path(__file__).parent.parent
AS_OF = "2026-11-29"
HOSTILE = "<img src=x onerror=alert(1)> Evil & Co <script>alert(2)</script>"

pytestmark = [pytest.mark.browser, pytest.mark.skipif(missing_reason() is not None, reason=str(missing_reason()))]

OVERDUE_LOG = """\
events:
  - date: 2026-09-01
    kind: letter
    stage: first
    asks: [q1]
    respond_by: 2026-10-13
    questions:
      - {id: q1, area: minerals, text: "Publish the smelters in the supply chain."}
"""


def copy_shipped(root: Path) -> Path:
    """Copy the shipped workspace (records, settings, templates) to ``root``."""
    shutil.copytree(REPO / "companies", root / "companies")
    shutil.copy(REPO / "engage.yaml", root / "engage.yaml")
    if (REPO / "templates").is_dir():
        shutil.copytree(REPO / "templates", root / "templates")
    return root


def engage(*args: str) -> str:
    """Run an engage command in process; return its stdout (exit 0 asserted)."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the folder `engage dashboard` wrote: the shipped data, an overdue reply and a hostile name."""
    root = copy_shipped(tmp_path_factory.mktemp("ws"))
    (root / "engagements").mkdir()
    (root / "engagements" / "ford.yaml").write_text(OVERDUE_LOG, encoding="utf-8")
    (root / "companies" / "evil.yaml").write_text("name: " + json.dumps(HOSTILE) + "\ncountry: DE\n", encoding="utf-8")
    engage("dashboard", "-w", str(root), "--as-of", AS_OF)
    return root / "briefs"


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    """Return one headless Chromium for the module."""
    with chromium() as d:
        yield d


def load(driver: Any, site: Path, fragment: str = "") -> None:
    """Open index.html (with ``fragment``) afresh and wait for the script to have run."""
    driver.get("about:blank")
    requests_made(driver)  # drop what came before
    driver.get((site / "index.html").as_uri() + fragment)
    assert driver.execute_script("return document.documentElement.classList.contains('js')")


def rows(driver: Any) -> list[str]:
    """Return the ids of the visible company rows, top to bottom."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#dashboard tbody.group tr'))"
        ".filter(tr => !tr.hidden).map(tr => tr.id.replace('company-', ''))"
    )


def column(driver: Any, key: str) -> list[str]:
    """Return the sort values (data-v) of column ``key`` in the visible rows of the rated group."""
    return driver.execute_script(
        "const heads = Array.from(document.querySelectorAll('#dashboard thead th'));"
        "const i = heads.findIndex(th => th.dataset.key === arguments[0]);"
        "return Array.from(document.querySelectorAll('#dashboard tbody.rated tr')).filter(tr => !tr.hidden)"
        ".map(tr => tr.cells[i].getAttribute('data-v'));",
        key,
    )


def sort_state(driver: Any) -> dict[str, str]:
    """Return {column key: aria-sort} for the headers that carry aria-sort."""
    return driver.execute_script(
        "const o = {}; document.querySelectorAll('#dashboard thead th[aria-sort]')"
        ".forEach(th => o[th.dataset.key] = th.getAttribute('aria-sort')); return o;"
    )


def assert_clean(driver: Any, site: Path) -> None:
    """No console error, and no request but the page's own file (DevTools log and resource timing agree)."""
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    page = (site / "index.html").as_uri()
    assert all(url.split("#")[0] == page for url in requests_made(driver)), "a request left the page"
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0


def test_the_riskiest_company_by_compare_is_first_at_sort_overall_desc(driver: Any, site: Path) -> None:
    board = json.loads(engage("compare", "--json", "-w", str(site.parent), "--as-of", AS_OF))
    riskiest = [r["company_id"] for r in board["rows"] if r["rated"]][-1]
    load(driver, site, "#sort=overall&dir=desc")
    assert rows(driver)[0] == riskiest
    values = [float(v) for v in column(driver, "overall")]
    assert values == sorted(values, reverse=True)
    assert sort_state(driver) == {"overall": "descending"}
    assert_clean(driver, site)


def test_a_column_for_each_of_the_thirteen_areas(driver: Any, site: Path) -> None:
    from engage.taxonomy import load_taxonomy

    load(driver, site)
    keys = driver.execute_script(
        "return Array.from(document.querySelectorAll('#dashboard thead th.area')).map(th => th.dataset.key)"
    )
    assert keys == list(load_taxonomy(None).keys) and len(keys) == 13
    # Every company row has a cell per area; a not-assessed area is marked, never blank or zero.
    marks = driver.execute_script(
        "return Array.from(document.querySelectorAll('#dashboard tbody.rated td.not-assessed'))"
        ".map(td => td.textContent)"
    )
    assert marks and all(m.endswith("no plan") and m[0].isdigit() for m in marks)  # not "n/a": not applicable
    titles = driver.execute_script(
        "const cells = document.querySelectorAll('#dashboard td.not-assessed');"
        "return Array.from(new Set(Array.from(cells, td => td.title)))"
    )
    assert titles == ["not assessed: no commitment or policy on record"]
    assert_clean(driver, site)


def test_clicking_a_header_sorts_and_sets_aria_sort_and_the_fragment(driver: Any, site: Path) -> None:
    load(driver, site)
    button = driver.find_element("css selector", '#dashboard thead th[data-key="minerals"] button')
    button.click()
    assert sort_state(driver) == {"minerals": "descending"}
    values = [float(v) for v in column(driver, "minerals")]
    assert values == sorted(values, reverse=True)
    assert driver.execute_script("return location.hash") == "#sort=minerals&dir=desc"
    button.click()
    assert sort_state(driver) == {"minerals": "ascending"}
    assert [float(v) for v in column(driver, "minerals")] == sorted(values)
    # The not-rated company stays in its own group below, whatever the sort.
    assert rows(driver)[-1] == "evil"
    assert_clean(driver, site)


def test_the_keyboard_sorts_too(driver: Any, site: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    load(driver, site)
    name = driver.find_element("css selector", '#dashboard thead th[data-key="company"] button')
    name.send_keys(Keys.ENTER)
    assert sort_state(driver) == {"company": "ascending"}
    names = driver.execute_script(
        "return Array.from(document.querySelectorAll('#dashboard tbody.rated th.company .name'))"
        ".map(e => e.textContent)"
    )
    assert names == sorted(names, key=str.lower)
    name.send_keys(Keys.SPACE)
    assert sort_state(driver) == {"company": "descending"}
    # Tab reaches the headers' buttons from the controls: they are real buttons.
    focused = driver.execute_script(
        "document.querySelector('#controls .clear').focus(); return document.activeElement.className"
    )
    assert focused == "clear"
    driver.switch_to.active_element.send_keys(Keys.TAB)
    assert driver.execute_script("return document.activeElement.closest('th').dataset.key") == "company"
    assert_clean(driver, site)


def test_the_issue_fragment_shows_that_view(driver: Any, site: Path) -> None:
    load(driver, site, "#sort=overall&dir=desc&area=minerals&state=overdue")
    assert rows(driver) == ["ford"]
    assert sort_state(driver) == {"overall": "descending"}
    shown = driver.execute_script(
        "return Array.from(document.querySelectorAll('#dashboard thead th.area'))"
        ".filter(th => getComputedStyle(th).display !== 'none').map(th => th.dataset.key)"
    )
    assert shown == ["minerals"]
    form = driver.execute_script(
        "const f = document.getElementById('controls'); return [f.elements.area.value, f.elements.state.value]"
    )
    assert form == ["minerals", "overdue"]
    state = driver.find_element("css selector", "#company-ford td.engagement").text
    assert "reply overdue" in state and "reply by 2026-10-13" in state
    assert_clean(driver, site)


def test_filters_write_the_fragment_and_hide_rows(driver: Any, site: Path) -> None:
    from selenium.webdriver.support.ui import Select, WebDriverWait

    load(driver, site)
    total = len(rows(driver))
    search = driver.find_element("css selector", "#controls input[name=q]")
    search.send_keys("kore")  # the country name is searchable: Hyundai and Kia
    assert sorted(rows(driver)) == ["hyundai", "kia"]
    assert "q=kore" in driver.execute_script("return location.hash")
    assert driver.find_element("css selector", "#controls .status").text == f"Showing 2 of {total} companies."
    search.clear()
    search.send_keys(" ")
    Select(driver.find_element("css selector", "#controls select[name=band]")).select_by_value("elevated,high")
    bands = driver.execute_script(
        "return Array.from(document.querySelectorAll('#dashboard tbody.group tr')).filter(tr => !tr.hidden)"
        ".map(tr => tr.dataset.band)"
    )
    assert bands and set(bands) <= {"elevated", "high"} and len(bands) < total
    Select(driver.find_element("css selector", "#controls select[name=country]")).select_by_value("DE")
    assert all(r in {"volkswagen", "bmw", "mercedes-benz"} for r in rows(driver))
    assert "band=elevated%2Chigh" in driver.execute_script("return location.hash")
    driver.find_element("css selector", "#controls .clear").click()
    # Clearing goes through the fragment's hashchange, which a loaded machine may deliver a moment later.
    WebDriverWait(driver, 10).until(lambda d: len(rows(d)) == total)
    assert len(rows(driver)) == total
    assert_clean(driver, site)


def due_texts(driver: Any) -> tuple[str, list[str], dict[str, str]]:
    """Return the due list's visible note, its visible items, and {company: its row's due line} where shown."""
    return driver.execute_script(
        "const shown = e => e && !e.hidden;"
        "const note = Array.from(document.querySelectorAll('#due .note')).find(shown);"
        "const items = Array.from(document.querySelectorAll('#due li')).filter(shown).map(li => li.textContent);"
        "const due = {}; document.querySelectorAll('#dashboard tbody.group tr').forEach(tr => {"
        "  const span = tr.querySelector('td.engagement .due');"
        "  if (shown(span)) due[tr.id.slice(8)] = span.textContent; });"
        "return [note.textContent, items, due];"
    )


def test_due_for_action_view(driver: Any, site: Path) -> None:
    load(driver, site, "#due=60")
    due = rows(driver)
    assert due == ["ford"]  # the overdue reply; no AGM falls within 60 days of 2026-11-29
    note, items, lines = due_texts(driver)
    assert "AGM within 60 days" in note and len(items) == 1 and lines == {"ford": "Due: reply overdue"}
    load(driver, site, "#due=120")
    assert set(rows(driver)) == {"ford", "hyundai"}  # Hyundai's AGM is expected in 115 days
    assert driver.execute_script("return document.querySelector('#controls input[name=due]').checked")
    # The words follow the window the reader chose, not the page's default of 60 days.
    note, items, lines = due_texts(driver)
    assert "AGM within 120 days" in note
    assert [i.split(":")[0] for i in items] == ["Ford", "Hyundai"] and "AGM in 115 days" in items[1]
    assert lines == {"ford": "Due: reply overdue", "hyundai": "Due: AGM in 115 days"}
    load(driver, site, "#due=5")
    note, items, lines = due_texts(driver)
    assert "AGM within 5 days" in note and lines == {"ford": "Due: reply overdue"}
    assert_clean(driver, site)


def test_area_headers_stand_on_end_unbroken(driver: Any, site: Path) -> None:
    """Issue 17: 'Aluminu/m', 'Environm/ental DD' - each area's name is one line, read upwards."""
    load(driver, site)
    lines = driver.execute_script(
        "return Array.from(document.querySelectorAll('#dashboard thead th.area .label')).map(label => {"
        "  const range = document.createRange(); range.selectNodeContents(label);"
        "  const xs = new Set(Array.from(range.getClientRects(), r => Math.round(r.left)));"
        "  return [label.textContent, xs.size, getComputedStyle(label.parentElement).writingMode]; })"
    )
    assert len(lines) == 13
    assert all(count == 1 and mode == "sideways-lr" for _, count, mode in lines), lines
    assert_clean(driver, site)


def test_the_rows_stay_a_table_in_reading_order_for_screen_readers_and_find(driver: Any, site: Path) -> None:
    """On screen the rows are laid out as grids (for CSS containment); the table's semantics stay."""
    load(driver, site, "#sort=company&dir=desc")
    driver.execute_cdp_cmd("Accessibility.enable", {})
    tree = driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    roles = [n.get("role", {}).get("value") for n in tree if not n.get("ignored")]
    count = len(rows(driver))
    assert roles.count("table") == 1 and roles.count("row") == count + 2  # the header and not-rated rows too
    heads = [n for n in tree if n.get("role", {}).get("value") == "columnheader" and not n.get("ignored")]
    assert len(heads) == 8 + 13 and heads[3]["name"]["value"] == "Steel"
    # The DOM order is the order shown (a screen reader reads the sorted table), and
    # find-in-page reaches the last row, whether or not it has been drawn yet.
    names = driver.execute_script(
        "return Array.from(document.querySelectorAll('#dashboard tbody.rated th.company .name'), e => e.textContent)"
    )
    assert names == sorted(names, key=str.lower, reverse=True)
    assert driver.execute_script("window.scrollTo(0, 0); return window.find(arguments[0])", names[-1])
    assert_clean(driver, site)


def test_hostile_names_stay_text(driver: Any, site: Path) -> None:
    load(driver, site, "#q=evil")
    assert rows(driver) == ["evil"]
    name = driver.find_element("css selector", "#company-evil .name")
    assert name.get_attribute("textContent") == HOSTILE
    assert driver.execute_script("return document.images.length") == 0
    assert driver.execute_script("return document.scripts.length") == 1  # the page's own
    assert_clean(driver, site)


def test_the_table_is_there_without_scripts(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    assert html.count('<tr id="company-') == len(list((site.parent / "companies").glob("*.yaml")))
    assert '<form id="controls" class="controls" hidden' in html  # shown by the script only


@pytest.mark.slow
def test_after_batch_all_the_page_loads_nothing_external(tmp_path: Path) -> None:
    """The issue's first bar, on the shipped data as `engage batch --all` leaves it."""
    import re

    root = copy_shipped(tmp_path)
    engage("batch", "--all", "-w", str(root), "--as-of", AS_OF, "--jobs", "2")
    site = root / "briefs"
    html = (site / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<(script|img|link|iframe|object|embed|source|video|audio)\b[^>]*\b(src|href)=", html)
    assert "url(" not in html and "@import" not in html  # nothing fetched from a stylesheet either
    assert re.findall(r'href="([^"]+)"', html) and all(
        not h.startswith(("http:", "https:", "//")) for h in re.findall(r'href="([^"]+)"', html)
    )
    with chromium() as d:
        load(d, site, "#sort=overall&dir=desc")
        assert d.execute_script("return document.querySelectorAll('#dashboard a.doc').length") >= 18
        assert_clean(d, site)
