"""The user's console settings: config.toml in the user config folder, never fatal when broken."""

from __future__ import annotations

import tomllib

import pytest

from hooktui.core.settings import SettingsError, UserSettings, settings_path


@pytest.fixture
def env(tmp_path):
    return {"HOOKTUI_CONFIG_DIR": str(tmp_path / "config")}


def write(env, text: str):
    path = settings_path(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_when_missing(env):
    settings, warnings = UserSettings.load(env)
    assert warnings == []
    assert settings == UserSettings()
    assert (settings.theme, settings.keymap, settings.run_on_save) == ("hooktui-dark", {}, True)
    assert (settings.log_timestamps, settings.log_wrap, settings.log_max_lines) == (True, False, 10000)
    assert settings.watch_polling is False


def test_round_trip(env):
    settings = UserSettings(
        theme="hooktui-light",
        keymap={"tester.run": "ctrl+enter,f5", "log.clear": "C"},
        run_on_save=False,
        log_timestamps=False,
        log_wrap=True,
        log_max_lines=500,
        watch_polling=True,
    )
    path = settings.save(env)
    assert path == settings_path(env)
    loaded, warnings = UserSettings.load(env)
    assert warnings == []
    assert loaded == settings
    data = tomllib.loads(path.read_text())
    assert data == {
        "theme": "hooktui-light",
        "run_on_save": False,
        "keys": {"tester.run": "ctrl+enter,f5", "log.clear": "C"},
        "log": {"timestamps": False, "wrap": True, "max_lines": 500},
        "watch": {"polling": True},
    }


def test_save_of_defaults_writes_only_what_was_chosen(env):
    UserSettings(theme="hooktui-light").save(env)
    assert tomllib.loads(settings_path(env).read_text()) == {"theme": "hooktui-light"}


def test_save_creates_a_private_folder(env, tmp_path):
    UserSettings().save(env)
    assert (settings_path(env).parent.stat().st_mode & 0o777) == 0o700


def test_bad_toml_warns_with_line_and_column_and_uses_defaults(env):
    path = write(env, 'theme = "hooktui-light"\nrun_on_save = \n')
    settings, warnings = UserSettings.load(env)
    assert settings == UserSettings()
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{path}:2:15: invalid TOML: ")
    assert "using the defaults" in warnings[0]


def test_bad_toml_is_not_overwritten_by_a_save(env):
    path = write(env, "theme = \n")
    with pytest.raises(SettingsError, match=r"config\.toml:1:9: invalid TOML"):
        UserSettings(theme="hooktui-light").save(env)
    assert path.read_text() == "theme = \n"


def test_wrong_types_warn_naming_key_and_file_and_keep_the_rest(env):
    path = write(
        env,
        'theme = 3\nrun_on_save = "yes"\n\n'
        "[log]\nwrap = true\nmax_lines = 0\ntimestamps = 1\n\n"
        '[watch]\npolling = "on"\n',
    )
    settings, warnings = UserSettings.load(env)
    assert settings == UserSettings(log_wrap=True)  # the one good value is kept
    assert len(warnings) == 5
    assert all(w.startswith(f"{path}: ") for w in warnings)
    by_key = {w.split(": ")[1]: w for w in warnings}
    assert set(by_key) == {"theme", "run_on_save", "log.max_lines", "log.timestamps", "watch.polling"}
    assert "expected an integer >= 1, got a number (0); using 10000" in by_key["log.max_lines"]
    assert "got a string ('yes')" in by_key["run_on_save"]


def test_a_table_of_the_wrong_type_warns(env):
    path = write(env, 'log = "verbose"\nkeys = 1\n')
    settings, warnings = UserSettings.load(env)
    assert settings == UserSettings()
    assert warnings == [
        f"{path}: log: expected a [log] table, got a string ('verbose'); using the defaults",
        f"{path}: keys: expected a [keys] table, got a number (1); using the defaults",
    ]


def test_keymap_forms(env):
    path = write(
        env,
        "[keys]\n"
        '"tester.run" = "ctrl+enter, f5"\n'
        'log.clear = "C"\n'  # unquoted: a nested table in TOML, read as the id meant
        '"hooks.new" = ["ctrl+n", "n"]\n'
        '"editor.save" = ""\n'
        '"log.wrap" = 3\n',
    )
    settings, warnings = UserSettings.load(env)
    assert settings.keymap == {"tester.run": "ctrl+enter,f5", "log.clear": "C", "hooks.new": "ctrl+n,n"}
    assert [w.split(": ")[1] for w in warnings] == ["keys.editor.save", "keys.log.wrap"]
    assert all(w.startswith(f"{path}: ") for w in warnings)


def test_unknown_keys_survive_a_save(env):
    write(
        env,
        'theme = "hooktui-dark"\nfuture = "kept"\n\n'
        "[log]\nwrap = true\ncolour_by = \"hook\"\n\n"
        "[watch]\npolling = false\n\n"
        "[remote]\nconfirm_push = true\n",
    )
    settings, warnings = UserSettings.load(env)
    assert warnings == []
    settings.theme = "hooktui-high-contrast"
    settings.log_max_lines = 200
    settings.save(env)
    data = tomllib.loads(settings_path(env).read_text())
    assert data == {
        "theme": "hooktui-high-contrast",
        "future": "kept",
        "log": {"wrap": True, "colour_by": "hook", "max_lines": 200},
        "watch": {"polling": False},
        "remote": {"confirm_push": True},
    }


def test_credentials_file_is_left_alone(env):
    creds = settings_path(env).parent / "credentials.toml"
    creds.parent.mkdir(parents=True)
    creds.write_text('token = "secret"\n')
    UserSettings(theme="hooktui-light").save(env)
    assert creds.read_text() == 'token = "secret"\n'


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("0", False), ("off", False)])
def test_env_forces_polling(env, value, expected):
    write(env, "[watch]\npolling = false\n" if expected else "[watch]\npolling = true\n")
    settings, warnings = UserSettings.load({**env, "HOOKTUI_POLL": value})
    assert warnings == []
    assert settings.watch_polling is expected


def test_env_override_is_not_saved(env):
    settings, _ = UserSettings.load({**env, "HOOKTUI_POLL": "1"})
    assert settings.watch_polling is True
    settings.theme = "hooktui-light"
    settings.save(env)
    assert tomllib.loads(settings_path(env).read_text()) == {"theme": "hooktui-light"}
    assert UserSettings.load(env)[0].watch_polling is False


def test_bad_env_value_warns(env):
    settings, warnings = UserSettings.load({**env, "HOOKTUI_POLL": "sometimes"})
    assert settings.watch_polling is False
    assert warnings == ["HOOKTUI_POLL='sometimes': expected 1 or 0 (true/false, yes/no, on/off); ignored"]


def test_empty_env_value_is_unset(env):
    write(env, "[watch]\npolling = true\n")
    assert UserSettings.load({**env, "HOOKTUI_POLL": ""})[0].watch_polling is True


def test_not_utf8(env):
    path = settings_path(env)
    path.parent.mkdir(parents=True)
    path.write_bytes(b'theme = "\xff"\n')
    settings, warnings = UserSettings.load(env)
    assert settings == UserSettings()
    assert warnings[0].startswith(f"{path}: not UTF-8 text")


def test_a_save_leaves_what_did_not_change_as_the_user_typed_it(env):
    text = (
        'theme = "hooktui-dark"\n\n'
        "[keys]\n"
        'log.clear = "C"\n'  # the nested-table spelling
        '"editor.save" = ""\n\n'  # unusable, warned about at load
        "[log]\nmax_lines = \"lots\"\n"  # unusable too
    )
    write(env, text)
    settings, warnings = UserSettings.load(env)
    assert len(warnings) == 2
    settings.theme = "hooktui-light"
    settings.save(env)
    data = tomllib.loads(settings_path(env).read_text())
    assert data == {
        "theme": "hooktui-light",
        "keys": {"log": {"clear": "C"}, "editor.save": ""},
        "log": {"max_lines": "lots"},
    }
    # Once the user changes a setting, its value is written.
    settings.log_max_lines = 300
    settings.keymap["tester.run"] = "f9"
    settings.save(env)
    data = tomllib.loads(settings_path(env).read_text())
    assert data["log"] == {"max_lines": 300}
    assert data["keys"] == {"log.clear": "C", "tester.run": "f9"}


def test_changing_polling_under_an_env_override_is_saved(env):
    settings, _ = UserSettings.load({**env, "HOOKTUI_POLL": "0"})
    settings.watch_polling = True
    settings.save(env)
    assert tomllib.loads(settings_path(env).read_text()) == {"watch": {"polling": True}}
