"""The CLI documents itself: every command has help text and a mention in the README.

Like sqlite-utils' ``tests/test_docs.py``: walk the real argparse parser, so a
command added without help, or without a README entry, fails here.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from ui.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]


def _subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def walk(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str, argparse.ArgumentParser]]:
    """Yield (command path, its help line, its parser) for every command and subcommand."""
    sub = _subcommands(parser)
    if sub is None:
        return
    helps = {choice.dest: choice.help or "" for choice in sub._choices_actions}
    for name, child in sub.choices.items():
        yield (*path, name), helps.get(name, ""), child
        yield from walk(child, (*path, name))


COMMANDS = [path for path, _help, _parser in walk(build_parser())]


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(path) for path in COMMANDS}
    assert {"init", "record add", "record show", "attach get", "template add", "check"} <= names
    assert {"passwd", "generate", "demo", "client rename", "record undelete"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    found = {p: (text, parser) for p, text, parser in walk(build_parser())}
    text, parser = found[path]
    assert text.strip(), f"'sitebook {' '.join(path)}' has no help line"
    assert (parser.description or "").strip(), f"'sitebook {' '.join(path)}' has no description"
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
            continue
        name = "/".join(action.option_strings) or action.dest
        assert (action.help or "").strip(), f"'sitebook {' '.join(path)}' {name} has no help"


def test_top_level_help_lists_exit_codes_and_environment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for needle in ("exit codes", "SITEBOOK_VAULT", "SITEBOOK_PASSPHRASE", "--json"):
        assert needle in text


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_is_in_the_readme(path: tuple[str, ...]) -> None:
    readme = ROOT / "README.md"
    command = "sitebook " + " ".join(path)
    assert readme.is_file(), (
        "README.md does not exist yet; it must mention every CLI command "
        f"(expected to fail until the README is written): {command}"
    )
    text = " ".join(readme.read_text(encoding="utf-8").split())
    words = " ".join(path)
    assert f"sitebook {words}" in text or f"`{words}" in text, (
        f"README.md does not mention '{command}' (write it as `{command} ...` or `{words} ...`)"
    )
