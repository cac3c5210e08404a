"""The README and the docs site show what works: their command lines parse, their Python imports
resolve, the files they name exist, and the README stays a short landing page whose links land.
(`mkdocs build --strict` in the test command checks the links between the docs' own pages.)"""

from __future__ import annotations

import importlib
import re
import shlex

import pytest

from tests.helpers import ROOT

README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
COMMAND = re.compile(r"(?:^|\| )(?:python -m parity|parity)\s+([^|#]*)")
SUBCOMMAND = ("train", "predict", "evaluate", "trace", "automaton", "certify", "experiment", "-")
FROM_IMPORT = re.compile(r"^\s*from (parity[\w.]*) import (.+)$", re.M)
REPO_PATH = re.compile(
    r"`((?:parity|ui|app_pages|tests|bench|scripts|docs)/[\w./-]*|streamlit_app\.py"
    r"|requirements[\w-]*\.txt|pyproject\.toml|mkdocs\.yml)`"
)
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _text(page) -> str:
    return page.read_text(encoding="utf-8")


def _blocks(page, langs: tuple[str, ...]) -> list[str]:
    return [body for lang, body in FENCE.findall(_text(page)) if lang in langs]


def _command_lines(page) -> list[str]:
    """Every `python -m parity ...` line of the page's shell blocks, its `$ ` prompts and its
    indented examples: continuation lines joined, comments dropped."""
    shell = [line for block in _blocks(page, ("bash",)) for line in block.splitlines()]
    prompts = [line for block in _blocks(page, ("",)) for line in block.splitlines()]
    shell += [line[2:] for line in prompts if line.startswith("$ ")]
    shell += re.findall(r"^    (python -m parity .*)$", _text(page), re.M)
    lines = "\n".join(shell).replace("\\\n", " ").splitlines()
    found = [m.group(1).strip() for line in lines if (m := COMMAND.search(line.strip()))]
    return [c for c in found if c.startswith(SUBCOMMAND)]


COMMANDS = sorted({(p.name, c) for p in PAGES for c in _command_lines(p)})
IMPORTS = sorted(
    {
        (p.name, module, name.split(" as ")[0].strip())
        for p in PAGES
        for block in _blocks(p, ("python",))
        for module, names in FROM_IMPORT.findall(block)
        for name in re.sub(r"#.*", "", names).split(",")
    }
)
PATHS = {p.name: sorted(set(REPO_PATH.findall(_text(p)))) for p in PAGES}


def test_the_pages_show_commands_imports_and_paths():
    assert len(COMMANDS) >= 30 and len(IMPORTS) >= 10 and sum(map(len, PATHS.values())) >= 100
    assert {name for name, _ in COMMANDS} >= {"README.md", "cli.md", "experiments.md"}


@pytest.mark.parametrize("page, command", COMMANDS)
def test_every_command_shown_parses(page, command):
    from parity.cli.args import build_parser

    try:
        args = build_parser("python -m parity").parse_args(shlex.split(command))
    except SystemExit as exit_:
        if exit_.code == 0 and "--help" in command:
            return
        pytest.fail(f"{page}: `python -m parity {command}` does not parse (exit {exit_.code})")
    assert args.command is not None


@pytest.mark.parametrize("page, module, name", IMPORTS)
def test_every_python_import_shown_resolves(page, module, name):
    imported = importlib.import_module(module)
    if not hasattr(imported, name):
        importlib.import_module(f"{module}.{name}")  # a subpackage's module


@pytest.mark.parametrize("page", sorted(PATHS))
def test_every_file_named_exists(page):
    missing = [path for path in PATHS[page] if not (ROOT / path).exists()]
    assert not missing, f"{page} names files that do not exist: {missing}"


def test_the_readme_is_a_landing_page_whose_links_land():
    lines = _text(README).splitlines()
    assert len(lines) <= 300, len(lines)
    links = [target for target in LINK.findall(_text(README)) if "://" not in target]
    assert "docs/images/train-page.png" in links
    for target in links:
        assert (ROOT / target.split("#")[0]).is_file(), target
    pages = {path.name for path in (ROOT / "docs").glob("*.md")}
    linked = {target.split("#")[0].removeprefix("docs/") for target in links}
    assert pages <= linked, sorted(pages - linked)  # every docs page is one click away
