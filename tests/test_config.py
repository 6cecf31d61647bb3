"""Configuration: hooktui.toml in the workspace, credentials from the environment or the user file."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import pytest

from hooktui.core.config import (
    ConfigError,
    Credentials,
    WorkspaceConfig,
    mask,
    save_credentials,
    user_config_dir,
)

# ---------------------------------------------------------------------------- hooktui.toml


def test_missing_file_gives_defaults(tmp_path):
    config = WorkspaceConfig.load(tmp_path)
    assert config == WorkspaceConfig()
    assert (config.tenant_domain, config.executor_timeout, config.executor_max_workers) == (None, 20.0, 4)
    assert (config.executor_log_limit, config.executor_memory_mb) == (1000, 256)
    assert (config.keywords, config.payloads_dir) == ({}, "payloads")


def test_load_reads_every_field_and_ignores_unknown_keys(tmp_path):
    (tmp_path / "hooktui.toml").write_text(
        '[tenant]\ndomain = "dev.eu.auth0.com"\nregion = "eu"\n'
        "[executor]\ntimeout = 5\nmax_workers = 2\nlog_limit = 50\nmemory_mb = 128\n"
        '[keywords]\nENV = "dev"\nLIST = ["a", "b"]\n'
        '[paths]\npayloads = "test-payloads"\n'
        "[future]\nanything = 1\n"
    )
    config = WorkspaceConfig.load(tmp_path)
    assert config.tenant_domain == "dev.eu.auth0.com"
    assert config.executor_timeout == 5.0 and isinstance(config.executor_timeout, float)
    assert (config.executor_max_workers, config.executor_log_limit, config.executor_memory_mb) == (2, 50, 128)
    assert config.keywords == {"ENV": "dev", "LIST": ["a", "b"]}
    assert config.payloads_dir == "test-payloads"


def test_toml_syntax_error_names_file_and_position(tmp_path):
    (tmp_path / "hooktui.toml").write_text('[tenant]\ndomain = "x"\ntimeout = \n')
    with pytest.raises(ConfigError) as caught:
        WorkspaceConfig.load(tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "hooktui.toml") in message
    assert "line 3, column" in message


@pytest.mark.parametrize(
    ("toml", "key", "expected"),
    [
        ('[executor]\ntimeout = "fast"\n', "executor.timeout", "a number of seconds"),
        ("[executor]\ntimeout = 0\n", "executor.timeout", "> 0"),
        ("[executor]\ntimeout = true\n", "executor.timeout", "a number"),
        ("[executor]\nmax_workers = 1.5\n", "executor.max_workers", "an integer"),
        ("[executor]\nmax_workers = 0\n", "executor.max_workers", ">= 1"),
        ("[executor]\nlog_limit = false\n", "executor.log_limit", "an integer"),
        ("[executor]\nmemory_mb = 8\n", "executor.memory_mb", ">= 16"),
        ("[tenant]\ndomain = 3\n", "tenant.domain", "a string"),
        ('[paths]\npayloads = ["a"]\n', "paths.payloads", "folder path"),
        ("executor = 3\n", "[executor]", "must be a table"),
        ("keywords = 3\n", "[keywords]", "must be a table"),
        ("[keywords]\nWHEN = 1979-05-27\n", "keywords.WHEN", "what JSON can hold"),
    ],
)
def test_wrong_types_name_file_key_and_expectation(tmp_path, toml, key, expected):
    (tmp_path / "hooktui.toml").write_text(toml)
    with pytest.raises(ConfigError) as caught:
        WorkspaceConfig.load(tmp_path)
    message = str(caught.value)
    assert "hooktui.toml" in message and key in message and expected in message


@pytest.mark.parametrize(
    "toml",
    [
        '[tenant]\nclient_secret = "s"\n',
        '[tenant]\nclient_id = "abc"\n',
        'token = "t"\n',
        '[auth]\naccess_token = "t"\n',
        '[tenant]\nclient-secret = "s"\n',
        '[keywords]\nAUTH0_CLIENT_SECRET = "s"\n',
    ],
)
def test_credentials_in_hooktui_toml_are_refused(tmp_path, toml):
    (tmp_path / "hooktui.toml").write_text(toml)
    with pytest.raises(ConfigError, match="credentials do not belong in hooktui.toml") as caught:
        WorkspaceConfig.load(tmp_path)
    assert "environment" in str(caught.value)


def test_ordinary_keywords_are_not_mistaken_for_credentials(tmp_path):
    (tmp_path / "hooktui.toml").write_text('[keywords]\nAPI_URL = "https://x"\nTOKEN_TTL = 60\n')
    assert WorkspaceConfig.load(tmp_path).keywords == {"API_URL": "https://x", "TOKEN_TTL": 60}


def test_save_round_trips_and_keeps_unknown_keys(tmp_path):
    (tmp_path / "hooktui.toml").write_text('[future]\nkeep = "me"\n[tenant]\nextra = 1\n')
    config = WorkspaceConfig.load(tmp_path)
    config.tenant_domain = "t.auth0.com"
    config.executor_timeout = 7.5
    config.keywords = {"ENV": "prod", "N": 3}
    path = config.save(tmp_path)

    assert path == tmp_path / "hooktui.toml"
    assert WorkspaceConfig.load(tmp_path) == config
    data = tomllib.loads(path.read_text())
    assert data["future"] == {"keep": "me"}
    assert data["tenant"] == {"extra": 1, "domain": "t.auth0.com"}
    assert [p.name for p in tmp_path.iterdir()] == ["hooktui.toml"]  # no temp file left


def test_save_defaults_gives_a_loadable_file(tmp_path):
    WorkspaceConfig().save(tmp_path)
    assert WorkspaceConfig.load(tmp_path) == WorkspaceConfig()
    assert "keywords" not in tomllib.loads((tmp_path / "hooktui.toml").read_text())


# ---------------------------------------------------------------------------- user config


def test_user_config_dir_precedence(tmp_path):
    home = str(tmp_path / "home")
    assert user_config_dir({"HOME": home}) == Path(home) / ".config" / "hooktui"
    assert user_config_dir({"HOME": home, "XDG_CONFIG_HOME": "/xdg"}) == Path("/xdg/hooktui")
    assert user_config_dir(
        {"HOME": home, "XDG_CONFIG_HOME": "/xdg", "HOOKTUI_CONFIG_DIR": "/explicit"}
    ) == Path("/explicit")
    assert user_config_dir({"HOME": home, "XDG_CONFIG_HOME": ""}) == Path(home) / ".config" / "hooktui"


@pytest.fixture
def cfg_env(tmp_path) -> dict[str, str]:
    return {"HOOKTUI_CONFIG_DIR": str(tmp_path / "cfg")}


def test_save_credentials_is_private(tmp_path, cfg_env):
    path = save_credentials(
        Credentials(domain="t.auth0.com", client_id="cid", client_secret="s3cr3t"), cfg_env
    )
    assert path == tmp_path / "cfg" / "credentials.toml"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert tomllib.loads(path.read_text()) == {
        "domain": "t.auth0.com", "client_id": "cid", "client_secret": "s3cr3t",
    }


def test_save_credentials_tightens_an_existing_folder_and_file(tmp_path, cfg_env):
    folder = tmp_path / "cfg"
    folder.mkdir()
    os.chmod(folder, 0o755)  # made by hand, or by another tool
    (folder / "credentials.toml").write_text('domain = "old.auth0.com"\n')
    os.chmod(folder / "credentials.toml", 0o644)
    path = save_credentials(Credentials(domain="t.auth0.com", client_secret="s3cr3t"), cfg_env)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert Credentials.resolve(cfg_env).warnings == ()


def test_resolve_reads_the_user_file(cfg_env):
    save_credentials(Credentials(domain="file.auth0.com", client_id="fid", client_secret="fs"), cfg_env)
    creds = Credentials.resolve(cfg_env)
    assert (creds.domain, creds.client_id, creds.client_secret, creds.token) == (
        "file.auth0.com", "fid", "fs", None,
    )
    assert creds.warnings == ()


def test_environment_wins_per_field(cfg_env):
    save_credentials(Credentials(domain="file.auth0.com", client_id="fid", client_secret="fs"), cfg_env)
    env = {**cfg_env, "AUTH0_CLIENT_SECRET": "env-secret", "AUTH0_TOKEN": "env-token", "AUTH0_DOMAIN": ""}
    creds = Credentials.resolve(env)
    assert creds.domain == "file.auth0.com"  # an empty variable does not hide the file
    assert creds.client_id == "fid"
    assert creds.client_secret == "env-secret"
    assert creds.token == "env-token"
    assert creds.sources["client_secret"] == "env:AUTH0_CLIENT_SECRET"
    assert creds.sources["client_id"].endswith("credentials.toml")


def test_environment_only(tmp_path):
    creds = Credentials.resolve({"HOOKTUI_CONFIG_DIR": str(tmp_path / "none"), "AUTH0_DOMAIN": "d"})
    assert creds == Credentials(domain="d")


def test_readable_credentials_file_warns_but_is_read(cfg_env):
    path = save_credentials(Credentials(client_secret="s"), cfg_env)
    os.chmod(path, 0o644)
    creds = Credentials.resolve(cfg_env)
    assert creds.client_secret == "s"
    assert len(creds.warnings) == 1 and f"chmod 600 {path}" in creds.warnings[0]


def test_bad_credentials_file_is_a_config_error(cfg_env, tmp_path):
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "credentials.toml").write_text("client_secret = 5\n")
    with pytest.raises(ConfigError, match="client_secret: expected a string"):
        Credentials.resolve(cfg_env)
    (tmp_path / "cfg" / "credentials.toml").write_text("client_secret = \n")
    with pytest.raises(ConfigError, match="line 1"):
        Credentials.resolve(cfg_env)


def test_repr_masks_secret_and_token():
    creds = Credentials(domain="d.auth0.com", client_id="cid", client_secret="hunter2-long", token="eyJtoken")
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert "hunter2" not in text and "eyJ" not in text
        assert "d.auth0.com" in text and "cid" in text and "'***'" in text
    assert "client_secret=None" in repr(Credentials())


def test_mask():
    assert mask("abcdef") == "***"
    assert mask("") == "" and mask(None) == ""
