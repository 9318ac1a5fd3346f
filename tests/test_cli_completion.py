"""`engage completion bash|zsh|fish`: the script each shell loads, and that bash really completes with it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from engage.cli.main import cli


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o nosort -F _engage_completion engage"),
        ("zsh", "#compdef engage"),
        ("fish", "complete --no-files --command engage"),
    ],
)
def test_each_shell_gets_its_script_naming_engage(shell: str, marker: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell], catch_exceptions=False)
    assert result.exit_code == 0
    assert marker in result.stdout
    assert "_ENGAGE_COMPLETE=" in result.stdout  # the variable engage's own main() answers on


def test_an_unknown_shell_is_a_usage_error_naming_the_choices() -> None:
    result = CliRunner().invoke(cli, ["completion", "tcsh"])
    assert result.exit_code == 2
    assert "'tcsh' is not one of 'bash', 'zsh', 'fish'" in result.stderr


def test_the_completion_answers_with_commands_and_option_choices() -> None:
    env = {**os.environ, "_ENGAGE_COMPLETE": "bash_complete", "COMP_WORDS": "engage batch --paper ", "COMP_CWORD": "3"}
    done = subprocess.run([sys.executable, "-m", "engage"], capture_output=True, text=True, env=env)
    assert done.stdout.split() == ["plain,a4", "plain,letter"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_a_command_after_loading_the_script(tmp_path: Path) -> None:
    engage = tmp_path / "engage"  # what the console script does, wherever the venv is
    engage.write_text(f'#!/bin/sh\nexec {sys.executable} -m engage "$@"\n')
    engage.chmod(0o755)
    script = (
        'eval "$(engage completion bash)"\n'
        "COMP_WORDS=(engage ba); COMP_CWORD=1; _engage_completion engage\n"
        'echo "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["batch"]
