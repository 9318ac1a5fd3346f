"""The validated-record cache: same answers with and without it, every change seen, a bad cache never trusted."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.synthetic import write_workspace
from engage.cache import CACHE_DIR
from engage.cache.store import MAGIC, Store, _SafeUnpickler, cache_key
from engage.cli.main import cli

REPO = Path(__file__).parent.parent

AS_OF = "2026-06-01"


@pytest.fixture(autouse=True)
def own_key(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Give each test its own cache key (as another user would have)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg")))
    cache_key.cache_clear()
    yield
    cache_key.cache_clear()


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """Return a copy of the shipped workspace (companies, engagements, engage.yaml)."""
    root = tmp_path / "shipped"
    root.mkdir()
    for name in ("companies", "engagements", "templates"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
    for name in ("engage.yaml", "taxonomy.yaml"):
        if (REPO / name).is_file():
            shutil.copy(REPO / name, root / name)
    return root


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    """Return a synthetic workspace of 40 companies x 12 records."""
    return write_workspace(tmp_path / "synthetic", 40, 12, seed=11)


def run(root: Path, *args: str, cache: bool = True) -> tuple[int, str, str]:
    """Run engage in ``root``; return exit code, stdout and stderr."""
    extra = () if cache else ("--no-cache",)
    result = CliRunner().invoke(cli, [*args, "--workspace", str(root), "--as-of", AS_OF, *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def outputs(root: Path, ids: list[str], cache: bool) -> list[tuple[int, str, str]]:
    commands = [["check", "--json"], ["check"], ["list", "--json"], ["compare", "--json"], ["compare", "--csv"]]
    commands += [["compare", "--area", "minerals", "--json"]]
    commands += [["profile", i, "--json"] for i in ids]
    return [run(root, *c, cache=cache) for c in commands]


def company_ids(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "companies").glob("*.yaml"))


@pytest.mark.parametrize("name", ["shipped", "synthetic"])
def test_every_command_answers_the_same_cold_warm_and_without_cache(name: str, request: pytest.FixtureRequest) -> None:
    root: Path = request.getfixturevalue(name)
    ids = company_ids(root)[:8]
    without = outputs(root, ids, cache=False)
    assert not (root / CACHE_DIR).exists()
    cold = outputs(root, ids, cache=True)
    assert (root / CACHE_DIR).is_dir()
    warm = outputs(root, ids, cache=True)
    assert cold == without
    assert warm == without
    # a single profile on a cache that holds no full compile (only the peers' values) answers the same
    shutil.rmtree(root / CACHE_DIR)
    run(root, "check")
    assert [run(root, "profile", i, "--json") for i in ids] == [
        run(root, "profile", i, "--json", cache=False) for i in ids
    ]


def test_an_edit_is_seen_even_at_the_same_size_and_time(synthetic: Path) -> None:
    path = synthetic / "companies" / "synthetic-0003.yaml"
    before = json.loads(run(synthetic, "profile", "synthetic-0003", "--json")[1])
    text = path.read_text(encoding="utf-8")
    stat = path.stat()
    edited = text.replace("name: Synthetic Motors 3\n", "name: Synthetic Motorz 3\n")
    assert len(edited) == len(text) and edited != text
    path.write_text(edited, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    after = json.loads(run(synthetic, "profile", "synthetic-0003", "--json")[1])
    assert before["company_name"] == "Synthetic Motors 3" and after["company_name"] == "Synthetic Motorz 3"
    assert run(synthetic, "profile", "synthetic-0003", "--json") == run(
        synthetic, "profile", "synthetic-0003", "--json", cache=False
    )


def test_an_edit_that_moves_a_score_moves_the_peers_ranks(synthetic: Path) -> None:
    run(synthetic, "compare", "--json")
    path = synthetic / "companies" / "synthetic-0005.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("severity: low", "severity: severe"), encoding="utf-8")
    for args in (("compare", "--json"), ("profile", "synthetic-0001", "--json"), ("check", "--json")):
        assert run(synthetic, *args) == run(synthetic, *args, cache=False)


def test_adding_renaming_deleting_and_breaking_files_are_seen(synthetic: Path) -> None:
    companies = synthetic / "companies"
    run(synthetic, "compare", "--json")
    run(synthetic, "profile", "synthetic-0000", "--json")
    (companies / "synthetic-0002.yaml").rename(companies / "renamed.yaml")
    (companies / "synthetic-0004.yaml").unlink()
    shutil.copy(companies / "synthetic-0006.yaml", companies / "added.yaml")
    (companies / "synthetic-0008.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    for args in (
        ("check", "--json"),
        ("list", "--json"),
        ("compare", "--json"),
        ("profile", "synthetic-0000", "--json"),
    ):
        assert run(synthetic, *args) == run(synthetic, *args, cache=False), args
    code, out, _ = run(synthetic, "check", "--json")
    doc = json.loads(out)
    assert code == 1 and "renamed" in doc["companies"] and "synthetic-0004" not in doc["companies"]
    assert doc["broken"] == ["synthetic-0008"]
    code, _, err = run(synthetic, "profile", "synthetic-0000", "--json")
    assert "skipped 1 company with errors: synthetic-0008" in err


def _cache_files(root: Path) -> list[Path]:
    return [p for p in (root / CACHE_DIR).rglob("*") if p.is_file()]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "flipped"])
def test_a_damaged_cache_is_rebuilt_never_trusted(synthetic: Path, damage: str) -> None:
    expected = [run(synthetic, *a, cache=False) for a in (("check", "--json"), ("profile", "synthetic-0001", "--json"))]
    run(synthetic, "compare", "--json")
    run(synthetic, "check", "--json")
    files = _cache_files(synthetic)
    assert files
    for f in files:
        data = f.read_bytes()
        if damage == "garbage":
            f.write_bytes(os.urandom(len(data)))
        elif damage == "truncated":
            f.write_bytes(data[: len(data) // 2])
        elif damage == "empty":
            f.write_bytes(b"")
        else:
            f.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    got = [run(synthetic, *a) for a in (("check", "--json"), ("profile", "synthetic-0001", "--json"))]
    assert got == expected
    assert [run(synthetic, *a) for a in (("check", "--json"), ("profile", "synthetic-0001", "--json"))] == expected


def test_a_cache_folder_of_junk_and_folders_is_no_error(synthetic: Path) -> None:
    expected = run(synthetic, "profile", "synthetic-0001", "--json", cache=False)
    cache = synthetic / CACHE_DIR
    (cache / "x" / "records").mkdir(parents=True)
    (cache / "junk").write_bytes(os.urandom(300))
    run(synthetic, "check")
    for folder in cache.iterdir():
        if folder.is_dir():
            for f in folder.iterdir():
                if f.is_file():
                    f.unlink()
                    f.mkdir()  # a folder where a cache file should be
    assert run(synthetic, "profile", "synthetic-0001", "--json") == expected


def test_a_foreign_cache_is_ignored(synthetic: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    run(synthetic, "check", "--json")
    before = {p: p.read_bytes() for p in _cache_files(synthetic)}
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    cache_key.cache_clear()
    store = Store(synthetic / CACHE_DIR / "probe", "ctx", cache_key())
    for path in before:  # another user's entries: authentic for them, not for us
        assert store.read(str(path.relative_to(store.folder.parent.parent))) is None
    assert run(synthetic, "check", "--json") == run(synthetic, "check", "--json", cache=False)


def test_an_authentic_payload_may_only_build_engage_data(tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))

    payload = pickle.dumps(Evil())
    with pytest.raises(pickle.UnpicklingError):
        _SafeUnpickler(__import__("io").BytesIO(payload)).load()
    store = Store(tmp_path / "c", "ctx", b"k" * 32)
    (tmp_path / "c").mkdir()
    mac = store._mac(payload)
    (tmp_path / "c" / "evil").write_bytes(MAGIC + b"ctx" + mac + payload)
    assert store.read("evil") is None
    assert not (tmp_path / "pwned").exists()


def test_no_cache_writes_nothing_and_cache_dir_is_hidden_from_the_workspace(synthetic: Path) -> None:
    run(synthetic, "compare", "--json", cache=False)
    run(synthetic, "check", cache=False)
    assert not (synthetic / CACHE_DIR).exists()
    result = CliRunner().invoke(cli, ["--no-cache", "check", "--workspace", str(synthetic), "--as-of", AS_OF])
    assert result.exit_code == 0 and not (synthetic / CACHE_DIR).exists()


def test_warnings_come_out_the_same_on_a_warm_check(shipped: Path) -> None:
    cold = run(shipped, "check", "--strict")
    warm = run(shipped, "check", "--strict")
    assert cold == warm == run(shipped, "check", "--strict", cache=False)
    assert "warning" in warm[2]


@pytest.mark.slow
def test_two_commands_at_once_are_safe(synthetic: Path) -> None:
    expected = run(synthetic, "compare", "--json", cache=False)[1]
    env = {**os.environ, "ENGAGE_AS_OF": AS_OF}
    cmd = [sys.executable, "-m", "engage", "compare", "--json", "--workspace", str(synthetic)]
    for _ in range(3):
        procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(3)]
        results = [p.communicate(timeout=300) for p in procs]
        assert all(p.returncode == 0 for p in procs), [r[1] for r in results]
        assert all(out.decode() == expected for out, _ in results)
        if _ == 1:
            shutil.rmtree(synthetic / CACHE_DIR, ignore_errors=True)


def test_a_cache_path_that_is_a_file_or_a_damaged_key_is_no_error(synthetic: Path, tmp_path: Path) -> None:
    expected = run(synthetic, "check", "--json", cache=False)
    (synthetic / CACHE_DIR).write_bytes(b"not a folder")
    assert run(synthetic, "check", "--json") == expected
    (synthetic / CACHE_DIR).unlink()
    key = Path(os.environ["XDG_CACHE_HOME"]) / "engage" / "cache.key"
    run(synthetic, "check", "--json")
    key.write_bytes(b"short")
    cache_key.cache_clear()
    assert run(synthetic, "check", "--json") == expected
    assert len(key.read_bytes()) == 32


def test_doctor_reports_the_cache_and_init_ignores_it(synthetic: Path, tmp_path: Path) -> None:
    run(synthetic, "check")
    result = CliRunner().invoke(cli, ["doctor", "--no-render", "--json", "--workspace", str(synthetic)])
    state = json.loads(result.stdout)["cache"]
    assert state["files"] > 0 and state["size"] > 0 and state["current"] and state["key_ok"]
    result = CliRunner().invoke(cli, ["doctor", "--no-render", "--workspace", str(synthetic)])
    assert "Record cache:" in result.stdout and "fits this engage" in result.stdout
    new = tmp_path / "new"
    assert CliRunner().invoke(cli, ["init", str(new)]).exit_code == 0
    assert ".engage-cache/" in (new / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_scores_alone_give_the_full_compiles_nets(synthetic: Path) -> None:
    """compile_scores (what check stores for peers) skips history and questions, never a net."""
    import datetime as dt

    from engage.api import Workspace
    from engage.profile import compile_profiles, compile_scores

    for root in (synthetic, REPO):
        ws = Workspace.open(root, cache=False)
        companies, _ = ws.load()
        as_of = dt.date.fromisoformat(AS_OF)
        full = compile_profiles(companies, ws.taxonomy, as_of, ws.weights)
        quick = compile_scores(companies, ws.taxonomy, as_of, ws.weights)
        for cid, p in full.items():
            q = quick[cid]
            assert q.rated == p.rated
            assert [(a.key, a.net) for a in (q.overall, *q.areas)] == [(a.key, a.net) for a in (p.overall, *p.areas)]


def test_a_profile_after_check_compiles_only_its_company(synthetic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first `profile ID` after `check` at the same date reads its peers from what check stored."""
    import engage.api

    code, _, _ = run(synthetic, "check")
    assert code in (0, 1)

    def no_workspace_compile(*args: object, **kwargs: object) -> None:
        raise AssertionError("profile compiled the whole workspace")

    with monkeypatch.context() as m:
        m.setattr(engage.api, "compile_profiles", no_workspace_compile)
        warm = run(synthetic, "profile", "synthetic-0007", "--json")
    assert warm == run(synthetic, "profile", "synthetic-0007", "--json", cache=False)
    assert warm[0] == 0 and json.loads(warm[1])["company_id"] == "synthetic-0007"
