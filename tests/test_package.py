"""The package as users get it: the lazy public API, and a wheel built from the tree that
works in a fresh virtual environment."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

import parity
from tests.helpers import ROOT

SUBPACKAGES = sorted(
    p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "parity").rglob("__init__.py")
)


def test_every_public_name_resolves_to_its_module_attribute():
    assert len(parity.__all__) == len(set(parity.__all__)) > 20
    for name in parity.__all__:
        module, attribute = parity._API[name]
        assert getattr(parity, name) is getattr(importlib.import_module(module), attribute), name
    assert set(parity.__all__) <= set(dir(parity))


def test_public_names_do_not_hide_subpackages_and_unknown_names_fail():
    assert not set(parity.__all__) & {path.rsplit("/", 1)[-1] for path in SUBPACKAGES}
    with pytest.raises(AttributeError, match="module 'parity' has no attribute 'nothing'"):
        parity.nothing  # noqa: B018


@pytest.mark.parametrize(
    "code",
    [
        "import parity; dir(parity); from parity import __all__",
        "import runpy, sys; sys.argv = ['parity', '--help']\n"
        "try:\n    runpy.run_module('parity', run_name='__main__')\nexcept SystemExit:\n    pass",
    ],
    ids=["import parity", "python -m parity --help"],
)
def test_import_and_help_load_neither_torch_nor_pandas(code):
    code += "\nimport sys; print('torch' in sys.modules, 'pandas' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "False False"


@pytest.mark.parametrize("preset", [None, "AVX2"])
def test_importing_parity_pins_mkl_to_one_code_path_unless_one_is_set(preset):
    env = {k: v for k, v in os.environ.items() if k != "MKL_CBWR"}
    env |= {"MKL_CBWR": preset} if preset else {}
    code = "import os, parity; print(os.environ['MKL_CBWR'])"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (preset or "COMPATIBLE")


SEEDED_DIGEST = """
import hashlib, parity
from parity.core.config import Config
from parity.training.train import train
model = train(Config(arch="rnn", seed=313, steps=200, stop="budget")).model
digest = hashlib.sha256()
for name, tensor in sorted(model.state_dict().items()):
    digest.update(name.encode())
    digest.update(tensor.detach().contiguous().numpy().tobytes())
print(digest.hexdigest())
"""


def test_a_seeded_run_trains_the_same_weights_in_every_process():
    """One seed, one network again on this machine: two fresh processes train bitwise the same
    weights. (Another CPU may round otherwise and train another network from the seed: no
    test expects a particular one; tests/models holds the networks they need.)"""
    digests = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", SEEDED_DIGEST], cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        digests.append(done.stdout.strip())
    assert len(digests[0]) == 64 and digests[0] == digests[1]


def build_wheel(out: Path) -> Path:
    """`pip wheel .` of a copy of the tree (the build leaves build/ and *.egg-info behind).

    No build isolation: that would fetch setuptools from the network; the venv has it.
    """
    src = out / "src"
    shutil.copytree(ROOT / "parity", src / "parity", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", src)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    done = subprocess.run(
        [*command, "--disable-pip-version-check", "-q", "-w", str(out), str(src)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = out.glob("parity_lab-*.whl")
    return wheel


def fresh_venv(path: Path) -> Path:
    """A new venv that sees this interpreter's packages (torch, ...) through a .pth file, but
    neither the checkout nor any parity installed here; returns its python."""
    venv.create(path, with_pip=False)
    python = path / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def run_in(cwd: Path, *command) -> subprocess.CompletedProcess:
    """A command run from `cwd` with no PYTHONPATH: only what is installed can be imported."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_the_wheel_ships_every_subpackage_and_its_command_works(tmp_path):
    wheel = build_wheel(tmp_path / "dist")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        requires = re.findall(r"^Requires-Dist: (.*)$", archive.read(metadata).decode(), re.M)
    modules = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "parity").rglob("*.py"))
    assert sorted(n for n in names if n.endswith(".py")) == modules  # every module shipped
    assert {f"{package}/__init__.py" for package in SUBPACKAGES} <= set(names)
    plain = [r for r in requires if "extra ==" not in r]
    assert not [r for r in plain if r.startswith(("altair", "streamlit"))], plain
    assert 'streamlit==1.67.0; extra == "app"' in requires, requires
    assert 'altair>=6.3; extra == "app"' in requires, requires

    python = fresh_venv(tmp_path / "venv")
    away = tmp_path / "elsewhere"  # not the checkout: `import parity` must find the wheel's
    away.mkdir()
    pip = [python, "-m", "pip", "install", "--no-deps", "--no-index", "-q"]
    installed = run_in(away, *pip, "--disable-pip-version-check", wheel)
    assert installed.returncode == 0, installed.stderr
    where = run_in(away, python, "-c", "import parity; print(parity.__file__)")
    assert Path(where.stdout.strip()).is_relative_to(tmp_path / "venv"), where

    command = tmp_path / "venv" / "bin" / "parity"
    helped = run_in(away, command, "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: parity "), helped
    assert "train" in helped.stdout and "predict" in helped.stdout

    model = away / "m.safetensors"
    trained = run_in(away, command, "train", "--steps", "20", "--json", "--out", model)
    assert trained.returncode == 0, trained.stderr
    result = json.loads(trained.stdout)
    assert (result["status"], result["steps"], result["config"]["steps"]) == ("budget", 20, 20)
    assert result["model_file"] == str(model) and model.is_file()

    predicted = run_in(away, command, "predict", "--model", model, "0110")
    assert predicted.returncode == 0, predicted.stderr
    assert re.fullmatch(r"[01]\t[01]\.\d{4}\n", predicted.stdout), predicted.stdout
    here = run_in(ROOT, sys.executable, "-m", "parity", "predict", "--model", model, "0110")
    assert predicted.stdout == here.stdout  # the wheel's model answers as the checkout's
