"""The wheel built from ``pyproject.toml`` holds every file a node serves or reads.

A non-editable install (``pip install cta-….whl``) has only what ``[tool.setuptools.package-data]``
lists beside the Python packages; a file left out works in the source tree (``make run`` installs
editable) and is missing everywhere else. The scripts under ``static/`` once were: no
``officer.js``, so no scanner in the officer's console. The expected list is what git tracks
under ``src/cta``, not a hand list, so a new template, script or data file is covered the day
it is added.

The wheel is built from a copy of the tracked files, so that the build's ``build/`` and
``*.egg-info`` land in the test's own folder and not in the shared tree. pip builds it with
build isolation: ``pyproject.toml`` needs setuptools 77 or later (its licence is a PEP 639
expression) and a virtualenv may hold an older one; pip takes it from the configured index.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Tracked under src/cta but never read by a node: the developers' inputs to ``pybabel
# extract``/``update`` (the node compiles the ``.po`` catalogs) and to ``alembic revision``
# (upgrades read only the migrations). Everything else is required: a node reads the data,
# policy, mail templates, templates, catalogs and migrations, and serves all of ``static/``,
# the licences and notes beside the vendored bundles included (they must travel with them).
NOT_READ_BY_A_NODE = {
    "src/cta/entrypoints/web/babel.cfg",
    "src/cta/entrypoints/web/locale/messages.pot",
    "src/cta/adapters/storage/migrations/script.py.mako",
}


def tracked_files() -> list[str]:
    """The files git tracks under ``src/cta`` that the working tree holds (paths from ROOT)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the expected files come from git ls-files")
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "src/cta"],
        check=True, capture_output=True, text=True,
    ).stdout.split("\0")  # fmt: skip
    return [path for path in listed if path and (ROOT / path).is_file()]


def build_wheel(files: list[str], tmp_path: Path) -> Path:
    source, out = tmp_path / "source", tmp_path / "wheel"
    for path in [*files, "pyproject.toml", "README.md"]:
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, source / path)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "--quiet",
         "-w", str(out), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, f"pip wheel failed:\n{built.stdout}\n{built.stderr}"
    (wheel,) = out.glob("cta-*.whl")
    return wheel


def test_the_wheel_holds_every_file_a_node_serves_or_reads(tmp_path: Path) -> None:
    files = tracked_files()
    wheel = build_wheel(files, tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = set(archive.namelist())
    needed = [path for path in files if path not in NOT_READ_BY_A_NODE]
    missing = [path for path in needed if path.removeprefix("src/") not in in_wheel]
    assert not missing, (
        "tracked under src/cta but not in the wheel (add them to "
        f"[tool.setuptools.package-data] in pyproject.toml): {missing}"
    )
    # the two scripts the pages load: the officer's scanner and the country pickers
    assert {"cta/entrypoints/web/static/officer.js",
            "cta/entrypoints/web/static/picker.js"} <= in_wheel  # fmt: skip
