"""What Feltmappe's commands share (``feltmappe`` in desktop/cli.py, ``feltmappe server`` and
``feltmappe admin`` in sync/server/): argparse in Danish, help that shows an option by its one
name, a password from standard input, and a quiet end when the reader of the output goes away.
It lives below both layers (models/) because sync/ may not import desktop/; it imports no Qt."""

from __future__ import annotations

import argparse
import copy
import getpass
import os
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TypeVar

# argparse's own words, in Danish (it looks them up through its module-level ``_``).
ARGPARSE_DA = {
    "usage: ": "Brug: ",
    "positional arguments": "argumenter",
    "options": "tilvalg",
    "show this help message and exit": "vis denne hjælp og afslut",
    "the following arguments are required: %s": "disse argumenter mangler: %s",
    "unrecognized arguments: %s": "ukendte argumenter: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "ugyldigt valg: %(value)r (vælg mellem %(choices)s)"
    ),
    "expected one argument": "forventer én værdi",
    "invalid %(type)s value: %(value)r": "ugyldig værdi: %(value)r",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fejl: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "ambiguous option: %(option)s could match %(matches)s": (
        "tvetydigt tilvalg: %(option)s kan være %(matches)s"
    ),
    "not allowed with argument %s": "kan ikke bruges sammen med %s",
}

#: The exit code of a command whose reader went away: what a shell reports for a Unix tool ended
#: by SIGPIPE (128 + 13), so ``set -o pipefail`` treats ``feltmappe cases | head`` as ``yes | head``.
EXIT_CLOSED_PIPE = 141


P = TypeVar("P", bound=argparse.ArgumentParser)

#: Where ``command`` keeps a subcommands action's old names (left out of its errors).
OLD_NAMES = "feltmappe_old_names"


def _da(text: str) -> str:
    return ARGPARSE_DA.get(text, text)


def speak_danish() -> None:
    """Make argparse say its own words (usage, errors) in Danish."""
    argparse._ = _da  # type: ignore[attr-defined]


class CommandError(Exception):
    """A problem with the command's input (a file, a flag, a password): one Danish line."""


def _shown(action: argparse.Action) -> list[str]:
    """The option strings help shows: the short ones and the first long one. Further long names
    are older spellings (``--vært`` for ``--host``) that scripts may still use but help does not
    teach."""
    short = [s for s in action.option_strings if not s.startswith("--")]
    return short + [s for s in action.option_strings if s.startswith("--")][:1]


class HelpFormatter(argparse.HelpFormatter):
    """Shows an option by its short name and its first long name (see ``option``)."""

    def _format_action_invocation(self, action: argparse.Action) -> str:
        if len(action.option_strings) > 1:
            action = copy.copy(action)
            action.option_strings = _shown(action)
        return super()._format_action_invocation(action)


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` with :class:`HelpFormatter`, whose errors name an option or a
    subcommand as help does; its subcommands get the same."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        for action in self._actions:
            if len(action.option_strings) > 1:
                message = message.replace("/".join(action.option_strings), "/".join(_shown(action)))
            for old in getattr(action, OLD_NAMES, ()):
                # "invalid choice: … (vælg mellem 'forbind', 'status', 'nu', 'kør')"
                message = re.sub(rf", '?{re.escape(old)}'?(?=[,)])", "", message)
        super().error(message)


def option(*names: str, old: Iterable[str] = ()) -> list[str]:
    """The option strings of an option named in ASCII (``names``) that still accepts its old
    spellings (``old``, not shown in help): ``add_argument(*option("--host", old=["--vært"]))``."""
    return [*names, *old]


def command(
    subcommands: argparse._SubParsersAction[P], name: str, *, old: Iterable[str] = (), **kwargs: Any
) -> P:
    """A subcommand named in ASCII (``name``) that still answers to its old spellings (``old``,
    not shown in help), as ``option`` does for options:
    ``command(sync, "run", old=["kør"], help=…)``. ``subcommands`` is what ``add_subparsers``
    returned."""
    parser = subcommands.add_parser(name, **kwargs)
    for alias in old:
        # Help lists the subcommands added with a help text; the parse looks names up here.
        subcommands.choices[alias] = parser
    setattr(subcommands, OLD_NAMES, (*getattr(subcommands, OLD_NAMES, ()), *old))
    return parser


def add_password_stdin(parser: argparse.ArgumentParser, help_text: str) -> None:
    """``--password-stdin`` (old spelling ``--adgangskode-stdin``), stored as
    ``args.adgangskode_stdin``."""
    parser.add_argument(
        *option("--password-stdin", old=["--adgangskode-stdin"]),
        dest="adgangskode_stdin",
        action="store_true",
        help=help_text,
    )


def stdin_line(what: str, *, strip: bool = False) -> str:
    """One line from standard input (a password or key handed over by a script), without its
    line end; ``what`` names it in the message when nothing came."""
    line = sys.stdin.readline().rstrip("\r\n")
    if strip:
        line = line.strip()
    if not line:
        raise CommandError(f"Der kom ingen {what} på standard-input.")
    return line


def password(
    from_stdin: bool, prompt: str, *, repeat: str | None = None, what: str = "Adgangskoden"
) -> str:
    """A password: one line on stdin (``--password-stdin``), else typed at the terminal (twice
    when ``repeat`` is the second prompt). Without a terminal there is nobody to ask."""
    if from_stdin:
        return stdin_line("adgangskode")
    if not sys.stdin.isatty():
        raise CommandError(
            f"{what} skal indtastes, eller gives på standard-input med --password-stdin."
        )
    first = getpass.getpass(prompt)
    if repeat is not None and getpass.getpass(repeat) != first:
        raise CommandError("De to adgangskoder er ikke ens. Intet er ændret.")
    return first


def quiet_on_closed_pipe(command: Callable[[], int]) -> int:
    """Run ``command`` and flush what it wrote. A reader that stops early (``| head -n 3``) is
    not an error: as the Python documentation advises (library/signal, "Note on SIGPIPE"),
    stdout is pointed at devnull so the flush at exit cannot fail again, and the command ends
    without a word, with the exit code of a Unix tool ended by SIGPIPE."""
    try:
        try:
            return command()
        finally:
            sys.stdout.flush()  # also after --help, which ends in SystemExit
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_CLOSED_PIPE
