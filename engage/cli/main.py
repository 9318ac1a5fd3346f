"""The `engage` command group: global options, shared option decorators, and error translation.

Every library error is an ``EngageError`` and is translated here, once, into a one-line
message and an exit code (1 bad data, 2 usage, 3 render or output). No traceback reaches a
user unless they ask for one with ``--verbose``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape as _escape

from .. import __version__
from ..api import Workspace
from ..dates import parse_as_of
from ..errors import EngageError, Problem

F = TypeVar("F", bound=Callable[..., Any])

NO_CACHE_HELP = "Parse and validate every record file; neither read nor write .engage-cache/."

# Command modules register themselves by defining `register(cli)`; add yours here.
COMMAND_MODULES: tuple[str, ...] = (
    "engage.cli.records",
    "engage.cli.profile",
    "engage.cli.brief",
    "engage.cli.doctor",
    "engage.cli.letter",
    "engage.cli.batch",
    "engage.cli.engagement",
)


@dataclass
class App:
    """What every command gets from the group: consoles and verbosity."""

    quiet: bool = False
    verbose: bool = False
    no_cache: bool = False  # --no-cache: parse and validate every file, leave .engage-cache/ alone
    out: Console = field(default_factory=lambda: make_console(sys.stdout))
    err: Console = field(default_factory=lambda: make_console(sys.stderr))

    def info(self, message: str) -> None:
        """Print a status line to stderr unless --quiet."""
        if not self.quiet:
            self.err.print(message, highlight=False)

    def warn(self, message: str) -> None:
        """Print a warning to stderr unless --quiet."""
        if not self.quiet:
            self.err.print(f"[yellow]warning:[/yellow] {escape(message)}", highlight=False)

    def problems(self, found: Iterable[Problem]) -> None:
        """Print errors and warnings about data files to stderr as ``problem`` does, in one write.

        Rich costs some 0.1 ms a call: a check of 1,000 companies has some 17,000 warnings.
        """
        shown = [p for p in found if not (p.level == "warning" and self.quiet)]
        if not shown:
            return
        if self.err.no_color:  # nothing to style: skip markup and wrapping, which cost most of a warm check
            text = "\n".join(f"{'warning' if p.level == 'warning' else 'error'}: {p}" for p in shown)
            self.err.out(text, highlight=False)
            return
        lines = [
            f"[yellow]warning:[/yellow] {escape(str(p))}"
            if p.level == "warning"
            else f"[red]error:[/red] {escape(str(p))}"
            for p in shown
        ]
        self.err.print("\n".join(lines), highlight=False)

    def problem(self, p: Problem) -> None:
        """Print one error or warning about a data file to stderr."""
        if p.level == "warning":
            self.warn(str(p))
        else:
            self.err.print(f"[red]error:[/red] {escape(str(p))}", highlight=False)


def escape(text: str) -> str:
    """Return ``text`` with rich markup escaped (record text is data, not markup)."""
    return _escape(text)


class _Console(Console):
    """A Console whose reader may stop reading (`engage check | head -1`) without changing the exit code."""

    def on_broken_pipe(self) -> None:
        """Drop the rest of the output and let the command finish: its exit code stays its own."""
        self.quiet = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self.file.fileno())
        except (OSError, ValueError):  # a stream without a file descriptor: quiet is enough
            pass
        finally:
            os.close(devnull)


def make_console(stream: Any) -> Console:
    """Return a rich Console on ``stream``: colour only on a terminal and when NO_COLOR is unset."""
    no_color = bool(os.environ.get("NO_COLOR")) or not getattr(stream, "isatty", lambda: False)()
    return _Console(
        file=stream,
        no_color=no_color,
        color_system=None if no_color else "auto",
        highlight=False,
        emoji=False,  # record text prints as typed: ':smile:' stays ':smile:'
        soft_wrap=True,
        width=None if stream.isatty() else 200,
    )


def get_app() -> App:
    """Return the App of the current click context."""
    ctx = click.get_current_context()
    app = ctx.find_object(App)
    if app is None:  # a command invoked outside the group (tests)
        app = App()
        ctx.obj = app
    return app


class EngageGroup(click.Group):
    """A click group that translates EngageError into a message and exit code, once."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EngageError as exc:
            app = ctx.find_object(App) or App()
            problems = getattr(exc, "problems", None)
            if problems:
                for p in problems:
                    app.problem(p)
                errors = sum(1 for p in problems if p.level != "warning")
                app.err.print(f"[red]Error:[/red] {errors} problem{'s' if errors != 1 else ''} found", highlight=False)
            else:
                app.err.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so briefly, show the traceback only on request
            app = ctx.find_object(App) or App()
            if app.verbose:
                traceback.print_exc()
            click.echo(
                f"Error: internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in engage; run again with --verbose for details and please report it.",
                err=True,
            )
            ctx.exit(3)


def as_of_option(f: F) -> F:
    """Add ``--as-of DATE`` (default today; env ENGAGE_AS_OF), parsed to a date."""

    def parse(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date:
        try:
            return parse_as_of(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return click.option(
        "--as-of",
        "as_of",
        metavar="DATE",
        envvar="ENGAGE_AS_OF",
        callback=parse,
        help="Evaluate as of this date (YYYY-MM-DD); default today. Same date, same result.",
    )(f)


def workspace_option(f: F) -> F:
    """Add ``--workspace DIR`` (env ENGAGE_WORKSPACE; default the current directory)."""
    return click.option(
        "--workspace",
        "-w",
        metavar="DIR",
        envvar="ENGAGE_WORKSPACE",
        help="Workspace folder holding companies/ (default: ENGAGE_WORKSPACE, else the current folder).",
    )(f)


#: Suffixes of the documents engage writes: an --out folder named like one is a file name given by mistake.
DOCUMENT_SUFFIXES = (".pdf", ".docx", ".md", ".html", ".htm", ".xlsx", ".csv", ".json", ".txt")


def _out_folder(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse an --out that names a document ("vw.pdf") and is not an existing folder: it would become one."""
    if value is not None and value.lower().endswith(DOCUMENT_SUFFIXES) and not Path(value).is_dir():
        raise click.BadParameter(
            f"'{value}' looks like a file name, but --out takes a folder: documents are written into it "
            "as <company>/brief.pdf, letter.pdf ... (for example: -o briefs-2027)",
            ctx,
            param,
        )
    return value


def out_option(f: F) -> F:
    """Add ``--out DIR`` (env ENGAGE_OUT; default <workspace>/briefs)."""
    return click.option(
        "--out",
        "-o",
        metavar="DIR",
        envvar="ENGAGE_OUT",
        type=click.Path(file_okay=False),
        callback=_out_folder,
        help="Output folder (default: briefs/ in the workspace).",
    )(f)


def open_workspace(workspace: str | None) -> Workspace:
    """Return the library workspace for ``--workspace`` (settings and weights checked); raises EngageError."""
    ctx = click.get_current_context(silent=True)
    app = ctx.find_object(App) if ctx is not None else None
    return Workspace.open(workspace, cache=not (app is not None and app.no_cache))


@click.group(
    cls=EngageGroup,
    context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "ENGAGE", "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="engage")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and results.")
@click.option("-v", "--verbose", is_flag=True, help="Print more detail (and tracebacks of internal errors).")
@click.option("--no-cache", is_flag=True, envvar="ENGAGE_NO_CACHE", help=NO_CACHE_HELP)
@click.pass_context
def cli(ctx: click.Context, quiet: bool, verbose: bool, no_cache: bool) -> None:
    """engage: investor engagement on automotive supply chains, from sourced records to documents.

    Records live in companies/<id>.yaml of a workspace (the current folder, --workspace DIR
    or ENGAGE_WORKSPACE). Every number, sentence and question traces back to a dated,
    sourced record, with the same result on every run for a given --as-of date.

    \b
    Start here:
      engage check                      validate every record
      engage list                       what is in the workspace
      engage profile volkswagen         a risk profile in the terminal
      engage brief volkswagen           an investor briefing PDF in briefs/
      engage batch --agm-within 60d     briefs and letters before AGM season
    """
    ctx.obj = App(quiet=quiet, verbose=verbose, no_cache=no_cache)


#: The shells `engage completion` writes a script for (click's own completion support).
COMPLETION_SHELLS = ("bash", "zsh", "fish")


@cli.command()
@click.argument("shell", type=click.Choice(COMPLETION_SHELLS))
def completion(shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish (commands, options, choices).

    Load it from your shell's startup file, then open a new shell:

    \b
      ~/.bashrc                    eval "$(engage completion bash)"
      ~/.zshrc                     eval "$(engage completion zsh)"
      ~/.config/fish/config.fish   engage completion fish | source

    \b
    Example:
      engage completion bash > ~/.local/share/bash-completion/completions/engage
    """
    # Loaded only for this command: no other command pays for the completion machinery.
    from click.shell_completion import get_completion_class

    complete = get_completion_class(shell)
    assert complete is not None  # every choice is a shell click supports
    # The variable click's main() answers completion requests on: _ENGAGE_COMPLETE for prog_name 'engage'.
    click.echo(complete(cli, {}, "engage", "_ENGAGE_COMPLETE").source())


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # not written yet; every shipped module exists
                continue
            raise
        module.register(cli)
    # ENGAGE_<COMMAND>_<OPTION>, named after the option as users type it (--json -> ENGAGE_LIST_JSON),
    # not after the Python parameter behind it, which is what click's auto_envvar_prefix would use.
    for command_name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option) and param.envvar is None and param.expose_value:
                longs = [opt for opt in param.opts if opt.startswith("--")]
                if longs:
                    param.envvar = f"ENGAGE_{_env_name(command_name)}_{_env_name(longs[0][2:])}"
    # -q and -v work after the command name too (`engage check -q`), as users type them.
    for command in cli.commands.values():
        names = {opt for p in command.params for opt in getattr(p, "opts", [])}
        if "-q" not in names:
            command.params.append(
                click.Option(
                    ["-q", "--quiet"],
                    is_flag=True,
                    expose_value=False,
                    callback=_set_flag("quiet"),
                    help="Print only errors and results.",
                )
            )
        if "--no-cache" not in names:
            command.params.append(
                click.Option(
                    ["--no-cache"],
                    is_flag=True,
                    expose_value=False,
                    callback=_set_flag("no_cache"),
                    help=NO_CACHE_HELP,
                )
            )
        if "-v" not in names:
            command.params.append(
                click.Option(
                    ["-v", "--verbose"],
                    is_flag=True,
                    expose_value=False,
                    callback=_set_flag("verbose"),
                    help="Print more detail.",
                )
            )


def _env_name(text: str) -> str:
    return text.upper().replace("-", "_")


def _set_flag(name: str) -> Callable[[click.Context, click.Parameter, bool], None]:
    def callback(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            setattr(get_app(), name, True)

    return callback


_register_commands()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="engage")
