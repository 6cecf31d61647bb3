"""`hooktui status / diff / push / pull / enable / disable / logs` as a user runs them: a real
`python -m hooktui` subprocess against the real emulator on 127.0.0.1 (served from this process,
so that a test can read and change the tenant). What the user reads, the exit codes, and what
lands on the tenant."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_sync import CE, PRE, by_name, script, write_hook

from hooktui.tenant.bucket import RatePlan
from hooktui.tenant.emulator import Emulator

EMU_ID, EMU_SECRET = "cli-client", "cli-secret-93ac41d2"


class Cli:
    """Runs `python -m hooktui` with the tenant's credentials in its environment and the user's
    folders in a tmp dir."""

    def __init__(self, tmp_path: Path, em: Emulator | None, secret: str = EMU_SECRET) -> None:
        self.config = tmp_path / "config"
        self.extra: dict[str, str] = {}
        if em is not None:
            self.extra = {"AUTH0_DOMAIN": em.base_url, "AUTH0_CLIENT_ID": EMU_ID, "AUTH0_CLIENT_SECRET": secret}

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AUTH0_", "HOOKTUI_")) and k != "NO_COLOR"}
        return {**env, "HOOKTUI_CONFIG_DIR": str(self.config), **self.extra}

    def __call__(self, *args: str, tty_input: str | None = None, timeout: float = 120) -> tuple[int, str, str]:
        command = [sys.executable, "-m", "hooktui", *args]
        if tty_input is None:
            proc = subprocess.run(command, input="", capture_output=True, text=True, env=self.env(), timeout=timeout)
            code, out, err = proc.returncode, proc.stdout, proc.stderr
        else:
            # stdin a terminal (the confirmation question), stdout and stderr pipes.
            master, slave = pty.openpty()
            try:
                with subprocess.Popen(command, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env=self.env()) as proc:
                    os.write(master, tty_input.encode())
                    out, err = proc.communicate(timeout=timeout)
                    code = proc.returncode
            finally:
                os.close(master)
                os.close(slave)
        # Whatever went wrong, an expected problem never shows a Python traceback.
        assert "Traceback" not in err, err
        return code, out, err


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(client_id=EMU_ID, client_secret=EMU_SECRET) as em:
        yield em


@pytest.fixture
def cli(tmp_path, emu) -> Cli:
    return Cli(tmp_path, emu)


@pytest.fixture
def ws(tmp_path) -> Path:
    root = tmp_path / "ws"
    write_hook(root, "claims", CE, enabled=True, secrets={"API_KEY": "key-4f1b2c3d"})
    write_hook(root, "signup", PRE)
    return root


def test_status_push_and_status_again(cli, emu, ws):
    code, out, _ = cli("-C", str(ws), "status")
    assert code == 0
    assert f"tenant {emu.base_url}" in out
    assert "claims" in out and "only local" in out and "2 only local" in out

    code, out, err = cli("-C", str(ws), "push")  # stdin is not a terminal: no question
    assert code == 0, err
    assert "push to" in out and "create, then add secrets API_KEY, then enable" in out
    assert "pushed 2 hooks: claims, signup" in out
    assert "apply this plan" not in err
    assert sorted(by_name(emu)) == ["claims", "signup"]

    code, out, _ = cli("-C", str(ws), "status", "--json")
    data = json.loads(out)
    assert code == 0 and data["summary"] == {"in sync": 2}
    assert {h["hook"]: h["status"] for h in data["hooks"]} == {"claims": "in sync", "signup": "in sync"}


def test_dry_run_changes_nothing(cli, emu, ws):
    code, out, _ = cli("-C", str(ws), "push", "--dry-run", "--json")
    data = json.loads(out)
    assert code == 0 and data["dry_run"] is True and data["ok"] is True
    assert [s["step"] for s in data["plan"]["steps"]].count("create") == 2
    assert emu.hooks == {}


def test_push_asks_on_a_terminal_and_no_pushes_nothing(cli, emu, ws):
    code, out, err = cli("-C", str(ws), "push", tty_input="n\n")
    assert code == 1 and "apply this plan? [y/N]" in err and "nothing pushed" in out
    assert emu.hooks == {}
    code, out, _ = cli("-C", str(ws), "push", tty_input="y\n")
    assert code == 0 and len(emu.hooks) == 2
    code, out, err = cli("-C", str(ws), "push", "--yes", tty_input="")  # nothing left, nothing asked
    assert code == 0 and "nothing to do" in out and "apply" not in err


def test_push_refuses_what_does_not_compile_and_pushes_the_rest(cli, emu, ws):
    (ws / "hooks" / "signup.js").write_text("module.exports = function (user, context, cb) {\n  cb(null, {;\n};\n")
    write_hook(ws, "noexport", PRE, body="function helper() {}\n")
    code, out, err = cli("-C", str(ws), "push", "--json")
    data = json.loads(out)
    assert code == 1
    # The exit code and the JSON agree: something was refused, so the push is not ok.
    assert data["ok"] is False and data["result"]["ok"] is False
    refused = {s["hook"]: s["reason"] for s in data["plan"]["skipped"]}
    assert "signup" in refused and refused["signup"].startswith("does not compile") and "hooks/signup.js:2" in refused["signup"]
    assert "noexport" in err and "exports no function" in err
    assert sorted(by_name(emu)) == ["claims", "noexport"]


def test_conflict_is_skipped_then_forced(cli, emu, ws):
    assert cli("-C", str(ws), "push")[0] == 0
    hook = by_name(emu)["claims"]
    hook["script"] = script("theirs")
    (ws / "hooks" / "claims.js").write_text(script("mine"))

    code, out, _ = cli("-C", str(ws), "diff", "claims")
    assert code == 0
    assert "# claims: conflict" in out and "-  // theirs" in out and "+  // mine" in out
    assert "\x1b[" not in out  # no colour when stdout is not a terminal
    assert "key-4f1b2c3d" not in out

    code, out, _ = cli("-C", str(ws), "push")
    assert code == 1 and "skipped claims: conflict" in out
    assert hook["script"] == script("theirs")

    code, out, _ = cli("-C", str(ws), "pull")
    assert code == 1 and "conflict claims" in out and "claims.remote.js" in out and "--force" in out
    assert (ws / "hooks" / "claims.js").read_text() == script("mine")
    assert (ws / "hooks" / "claims.remote.js").read_text() == script("theirs")

    code, out, _ = cli("-C", str(ws), "push", "--force")
    assert code == 0 and hook["script"] == script("mine")


def test_diff_of_an_unknown_hook_names_it(cli, ws):
    code, _, err = cli("-C", str(ws), "diff", "nope")
    assert code == 2 and "no hook named nope" in err and "hooktui status" in err


def test_diff_after_a_rename_names_the_files_that_exist(cli, emu, ws):
    assert cli("-C", str(ws), "push")[0] == 0
    meta = ws / "hooks" / "signup.json"
    meta.write_text(meta.read_text().replace('"name": "signup"', '"name": "signup-v2"'))
    code, out, _ = cli("-C", str(ws), "diff")
    assert code == 0 and "# signup-v2: changed locally" in out
    assert "--- tenant/signup (settings)" in out and "+++ hooks/signup.json (settings)" in out
    assert "signup-v2.json" not in out and "signup-v2.js" not in out
    assert '-  "name": "signup"' in out and '+  "name": "signup-v2"' in out


def test_pull_brings_a_remote_change(cli, emu, ws):
    cli("-C", str(ws), "push")
    by_name(emu)["signup"]["script"] = script("dashboard edit", PRE)
    code, out, _ = cli("-C", str(ws), "pull", "--json")
    data = json.loads(out)
    assert code == 0 and data["hooks"][0]["hook"] == "signup" and data["hooks"][0]["files"] == ["hooks/signup.js"]
    assert (ws / "hooks" / "signup.js").read_text() == script("dashboard edit", PRE)


def test_pull_applies_the_tenants_trigger_enabled_and_secret_keys(cli, emu, ws):
    assert cli("-C", str(ws), "push")[0] == 0
    signup = by_name(emu)["signup"]
    signup["triggerId"], signup["script"] = "post-user-registration", script("signup", "post-user-registration")
    signup["enabled"] = True
    emu.secrets[signup["id"]]["NEW_KEY"] = "set-in-the-dashboard-7a"
    claims = by_name(emu)["claims"]
    emu.secrets[claims["id"]].pop("API_KEY")
    code, out, _ = cli("-C", str(ws), "pull")
    assert code == 0, out
    assert "new secret NEW_KEY: fill in its value" in out
    signup_meta = json.loads((ws / "hooks" / "signup.json").read_text())
    assert signup_meta["triggerId"] == "post-user-registration"
    assert signup_meta["enabled"] is True and signup_meta["secrets"] == {"NEW_KEY": "_VALUE_NOT_SHOWN_"}
    assert json.loads((ws / "hooks" / "claims.json").read_text())["secrets"] == {}
    assert "set-in-the-dashboard-7a" not in (ws / "hooks" / "signup.json").read_text()
    code, out, _ = cli("-C", str(ws), "status", "--json")
    assert json.loads(out)["summary"] == {"in sync": 2}


def test_a_deleted_hook_is_reported_as_deleted_not_pushed(cli, emu, ws):
    assert cli("-C", str(ws), "push")[0] == 0
    (ws / "hooks" / "signup.json").unlink()
    (ws / "hooks" / "signup.js").unlink()
    code, out, _ = cli("-C", str(ws), "push", "--allow-delete")
    assert code == 0, out
    assert "deleted on the tenant: signup" in out and "pushed" not in out
    assert sorted(by_name(emu)) == ["claims"]


def test_enable_and_disable(cli, emu, ws):
    write_hook(ws, "claims2", CE)
    cli("-C", str(ws), "push")
    code, out, _ = cli("-C", str(ws), "enable", "claims2")
    assert code == 0
    assert "claims: disabled on the tenant (one enabled hook per trigger)" in out
    assert by_name(emu)["claims2"]["enabled"] and not by_name(emu)["claims"]["enabled"]
    assert json.loads((ws / "hooks" / "claims2.json").read_text())["enabled"] is True
    code, out, _ = cli("-C", str(ws), "disable", "claims2", "--json")
    assert code == 0 and json.loads(out)["enabled"] is False
    assert not by_name(emu)["claims2"]["enabled"]


def test_enable_of_a_hook_not_on_the_tenant_says_push_first(cli, ws):
    code, _, err = cli("-C", str(ws), "enable", "signup")
    assert code == 2 and "push it first" in err


def test_bad_credentials_are_a_clear_error_without_the_secret(tmp_path, emu, ws):
    cli = Cli(tmp_path, emu, secret="wrong-secret-0a9b8c7d")
    code, out, err = cli("-C", str(ws), "status")
    assert code == 2
    assert "401" in err and "AUTH0_CLIENT_SECRET" in err
    assert "wrong-secret-0a9b8c7d" not in out + err


def test_no_credentials_say_how_to_connect(tmp_path, ws):
    code, _, err = Cli(tmp_path, None)("-C", str(ws), "push", "--json")
    assert code == 2 and "set AUTH0_DOMAIN" in err and "hooktui login" in err


def test_rate_limit_waits_are_printed(tmp_path):
    root = tmp_path / "ws"
    for i in range(6):
        write_hook(root, f"hook-{i}", CE)
    with Emulator(client_id=EMU_ID, client_secret=EMU_SECRET, rate=RatePlan(rate=20.0, burst=2)) as em:
        code, out, err = Cli(tmp_path, em)("-C", str(root), "push")
        statuses = [r.status for r in em.requests]
    assert code == 0 and "pushed 6 hooks" in out
    assert "hooktui: pacing: waiting" in err and "/2 left" in err
    assert 429 not in statuses


def test_logs_show_recent_entries_and_json_lines(cli, ws):
    cli("-C", str(ws), "push")
    code, out, _ = cli("-C", str(ws), "logs", "--type", "sapi", "-n", "3")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3 and all(" sapi " in line for line in lines)
    assert any("hook claims" in line for line in lines)
    code, out, _ = cli("-C", str(ws), "logs", "-n", "2", "--json")
    entries = [json.loads(line) for line in out.splitlines()]
    assert len(entries) == 2 and all("log_id" in e for e in entries)
    assert EMU_SECRET not in out and "key-4f1b2c3d" not in out


def test_a_workspace_that_names_its_tenant_is_not_pushed_elsewhere(tmp_path, ws):
    (ws / "hooktui.toml").write_text('[tenant]\ndomain = "prod-tenant.eu.auth0.com"\n')
    cli = Cli(tmp_path, None)
    # Never contacted: refused before the first request. Should that break, the request goes to a
    # proxy address that is a closed port on this machine, so nothing can leave it.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    cli.extra = {"AUTH0_DOMAIN": "staging-tenant.eu.auth0.com", "AUTH0_TOKEN": "token-5e6f7a8b9c",
                 "HTTPS_PROXY": closed, "https_proxy": closed, "ALL_PROXY": closed, "NO_PROXY": ""}
    code, _, err = cli("-C", str(ws), "push", "--yes")
    assert code == 2
    assert "refusing to write to staging-tenant.eu.auth0.com" in err and "prod-tenant.eu.auth0.com" in err
    assert "[tenant] domain" in err and "token-5e6f7a8b9c" not in err


def test_the_local_emulator_is_allowed_with_a_note(cli, ws):
    (ws / "hooktui.toml").write_text('[tenant]\ndomain = "prod-tenant.eu.auth0.com"\n')
    code, out, err = cli("-C", str(ws), "push")
    assert code == 0 and "pushed 2 hooks" in out
    assert "working with the local tenant at http://127.0.0.1" in err


def test_a_tenant_failing_while_push_reads_it_says_nothing_was_pushed(cli, emu, ws):
    def fail_after_the_token(record) -> None:
        if record.path == "/oauth/token":
            emu.fail_rate = 1.0  # every later request: 503

    emu.on_request = fail_after_the_token
    code, out, err = cli("-C", str(ws), "push", "--yes")
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("hooktui: ") and "503" in last and "temporarily unavailable" in last
    assert "nothing was pushed" in last
    assert emu.hooks == {}


def test_a_lone_surrogate_in_a_secret_refuses_that_hook_only(cli, emu, ws):
    meta = ws / "hooks" / "signup.json"
    data = json.loads(meta.read_text())
    data["secrets"] = {"TOKEN": "\ud800"}
    meta.write_text(json.dumps(data))  # json writes it as the escape "\\ud800"
    code, out, err = cli("-C", str(ws), "status")
    assert code == 0, err
    assert "claims" in out and "signup" in out
    assert "hooks/signup.json" in out and "secrets.TOKEN" in out and "lone surrogate" in out
    code, out, err = cli("-C", str(ws), "push", "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    [refused] = [s for s in data["plan"]["skipped"] if s["refused"]]
    assert refused["hook"] == "signup" and "hooks/signup.json" in refused["reason"] and "secrets.TOKEN" in refused["reason"]
    assert sorted(by_name(emu)) == ["claims"]


def test_back_to_back_commands_on_the_free_tier_meet_no_429(tmp_path):
    root = tmp_path / "ws"
    names = [f"hook-{i}" for i in range(8)]
    for name in names:
        write_hook(root, name, CE)
    with Emulator(client_id=EMU_ID, client_secret=EMU_SECRET, rate=RatePlan.parse("free")) as em:
        em.seed_hooks([{"name": n, "triggerId": CE, "script": script(n)} for n in names])
        cli = Cli(tmp_path, em)
        for _ in range(3):
            code, out, err = cli("-C", str(root), "status")
            assert code == 0, err
            assert "8 in sync" in out
        limited = [r for r in em.requests if r.status == 429]
        served = len(em.requests)
    assert served >= 3 * 10  # a token, the list and eight secrets each time
    assert limited == [], f"{len(limited)} requests met a 429"
    memory = next((tmp_path / "config").glob("ratelimit*.json"))
    assert oct(memory.stat().st_mode & 0o777) == "0o600"
    assert EMU_SECRET not in memory.read_text()


def test_a_push_that_fails_half_way_says_what_was_and_was_not_done(cli, emu, ws):
    write_hook(ws, "big", PRE, secrets={"S1": "one-5e6f", "S2": "two-7a8b"})
    (ws / "hooks" / "signup.json").unlink()
    (ws / "hooks" / "signup.js").unlink()

    def race(record) -> None:
        # Someone adds S1 to the new hook between our create and our secrets: a 409 no retry fixes.
        if record.method == "POST" and record.path == "/api/v2/hooks" and record.status == 201:
            for hook_id, hook in emu.hooks.items():
                if hook["name"] == "big":
                    emu.secrets[hook_id]["S1"] = "theirs"

    emu.on_request = race
    code, out, _ = cli("-C", str(ws), "push", "--json")
    emu.on_request = None
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    big = next(h for h in data["result"]["hooks"] if h["hook"] == "big")
    assert big["done"] == ["create"] and big["failed"] == "add secrets S1, S2" and "S1" in big["error"]
    assert "one-5e6f" not in out
    code, out, _ = cli("-C", str(ws), "push", "--json")  # the same again: nothing created twice
    assert code == 1 and "conflict" in out  # the tenant's S1 is a change there: --force settles it
    assert [h["name"] for h in emu.hooks.values()].count("big") == 1


def test_a_half_failed_push_reads_clearly_on_the_terminal(cli, emu, ws):
    def race(record) -> None:
        if record.method == "POST" and record.path == "/api/v2/hooks" and record.status == 201:
            for hook_id, hook in emu.hooks.items():
                if hook["name"] == "claims":
                    emu.secrets[hook_id]["API_KEY"] = "theirs"

    emu.on_request = race
    code, out, err = cli("-C", str(ws), "push")
    assert code == 1
    assert "pushed 1 hook: signup" in out
    assert "not pushed: claims: add secrets API_KEY failed:" in out and "409" in out
    assert "done before it: create" in out and "not done: enable" in out
    assert "the state file records what was done: run the same push again to finish" in out
    assert "key-4f1b2c3d" not in out + err
