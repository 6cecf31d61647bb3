"""Fixtures the console tests share: a fresh copy of the example workspace with a config folder of its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hooktui.core.resources import data_path


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOOKTUI_CONFIG_DIR", str(tmp_path / "config"))
    root = tmp_path / "workspace"
    shutil.copytree(data_path("examples/workspace"), root)
    return root
