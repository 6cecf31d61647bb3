"""Every test runs without the developer's tenant: no AUTH0_* variable and a private config
folder, so that nothing reads real credentials or user settings, and nothing can reach a real
tenant. A test that wants credentials sets them itself."""

from __future__ import annotations

import pytest

CREDENTIAL_VARIABLES = ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "AUTH0_TOKEN")


@pytest.fixture(autouse=True)
def _no_real_tenant(monkeypatch, tmp_path_factory):
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOOKTUI_CONFIG_DIR", str(tmp_path_factory.mktemp("hooktui-config")))
