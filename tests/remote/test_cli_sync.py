"""`hooktui status / diff / push / pull / enable / disable / logs` against the real emulator: what the
user reads, the exit codes, and what lands on the tenant."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hooktui.cli import main
from hooktui.remote.emulator import Emulator, RatePlan

from test_sync import CE, PRE, by_name, script, write_hook

EMU_ID, EMU_SECRET = "cli-client", "cli-secret-93ac41d2"


class TTYInput(io.StringIO):
    def isatty(self) -> bool:
        return True


class PipeInput(io.StringIO):
    def isatty(self) -> bool:
        return False


@pytest.fixture
def emu(monkeypatch, tmp_path) -> Iterator[Emulator]:
    with Emulator(client_id=EMU_ID, client_secret=EMU_SECRET) as em:
        tenant(monkeypatch, tmp_path, em)
        yield em


def tenant(monkeypatch, tmp_path: Path, em: Emulator, secret: str = EMU_SECRET) -> None:
    monkeypatch.setenv("HOOKTUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("AUTH0_DOMAIN", em.base_url)
    monkeypatch.setenv("AUTH0_CLIENT_ID", EMU_ID)
    monkeypatch.setenv("AUTH0_CLIENT_SECRET", secret)
    monkeypatch.delenv("AUTH0_TOKEN", raising=False)
    monkeypatch.setattr(sys, "stdin", PipeInput(""))


@pytest.fixture
def ws(tmp_path) -> Path:
    root = tmp_path / "ws"
    write_hook(root, "claims", CE, enabled=True, secrets={"API_KEY": "key-4f1b2c3d"})
    write_hook(root, "signup", PRE)
    return root


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_status_push_and_status_again(capsys, emu, ws):
    code, out, _ = run(capsys, "-C", str(ws), "status")
    assert code == 0
    assert f"tenant {emu.base_url}" in out
    assert "claims" in out and "only local" in out and "2 only local" in out

    code, out, err = run(capsys, "-C", str(ws), "push")  # stdin is not a terminal: no question
    assert code == 0, err
    assert "push to" in out and "create, then add secrets API_KEY, then enable" in out
    assert "pushed 2 hooks: claims, signup" in out
    assert "apply this plan" not in err
    assert sorted(by_name(emu)) == ["claims", "signup"]

    code, out, _ = run(capsys, "-C", str(ws), "status", "--json")
    data = json.loads(out)
    assert code == 0 and data["summary"] == {"in sync": 2}
    assert {h["hook"]: h["status"] for h in data["hooks"]} == {"claims": "in sync", "signup": "in sync"}


def test_dry_run_changes_nothing(capsys, emu, ws):
    code, out, _ = run(capsys, "-C", str(ws), "push", "--dry-run", "--json")
    data = json.loads(out)
    assert code == 0 and data["dry_run"] is True
    assert [s["step"] for s in data["plan"]["steps"]].count("create") == 2
    assert emu.hooks == {}


def test_push_asks_on_a_terminal_and_no_pushes_nothing(capsys, monkeypatch, emu, ws):
    monkeypatch.setattr(sys, "stdin", TTYInput("n\n"))
    code, out, err = run(capsys, "-C", str(ws), "push")
    assert code == 1 and "apply this plan? [y/N]" in err and "nothing pushed" in out
    assert emu.hooks == {}
    monkeypatch.setattr(sys, "stdin", TTYInput("y\n"))
    code, out, _ = run(capsys, "-C", str(ws), "push")
    assert code == 0 and len(emu.hooks) == 2
    code, out, err = run(capsys, "-C", str(ws), "push", "--yes")  # nothing left, nothing asked
    assert code == 0 and "nothing to do" in out and "apply" not in err


def test_push_refuses_what_does_not_compile_and_pushes_the_rest(capsys, emu, ws):
    (ws / "hooks" / "signup.js").write_text("module.exports = function (user, context, cb) {\n  cb(null, {;\n};\n")
    write_hook(ws, "noexport", PRE, body="function helper() {}\n")
    code, out, err = run(capsys, "-C", str(ws), "push", "--json")
    data = json.loads(out)
    assert code == 1
    refused = {s["hook"]: s["reason"] for s in data["plan"]["skipped"]}
    assert "signup" in refused and refused["signup"].startswith("does not compile") and "hooks/signup.js:2" in refused["signup"]
    assert "noexport" in err and "exports no function" in err
    assert sorted(by_name(emu)) == ["claims", "noexport"]


def test_conflict_is_skipped_then_forced(capsys, emu, ws):
    assert run(capsys, "-C", str(ws), "push")[0] == 0
    hook = by_name(emu)["claims"]
    hook["script"] = script("theirs")
    (ws / "hooks" / "claims.js").write_text(script("mine"))

    code, out, _ = run(capsys, "-C", str(ws), "diff", "claims")
    assert code == 0
    assert "# claims: conflict" in out and "-  // theirs" in out and "+  // mine" in out
    assert "\x1b[" not in out  # no colour when stdout is not a terminal
    assert "key-4f1b2c3d" not in out

    code, out, _ = run(capsys, "-C", str(ws), "push")
    assert code == 1 and "skipped claims: conflict" in out
    assert hook["script"] == script("theirs")

    code, out, _ = run(capsys, "-C", str(ws), "pull")
    assert code == 1 and "conflict claims" in out and "claims.remote.js" in out
    assert (ws / "hooks" / "claims.js").read_text() == script("mine")
    assert (ws / "hooks" / "claims.remote.js").read_text() == script("theirs")

    code, out, _ = run(capsys, "-C", str(ws), "push", "--force")
    assert code == 0 and hook["script"] == script("mine")


def test_diff_of_an_unknown_hook_names_it(capsys, emu, ws):
    code, _, err = run(capsys, "-C", str(ws), "diff", "nope")
    assert code == 2 and "no hook named nope" in err and "hooktui status" in err


def test_pull_brings_a_remote_change(capsys, emu, ws):
    run(capsys, "-C", str(ws), "push")
    by_name(emu)["signup"]["script"] = script("dashboard edit", PRE)
    code, out, _ = run(capsys, "-C", str(ws), "pull", "--json")
    data = json.loads(out)
    assert code == 0 and data["hooks"][0]["hook"] == "signup" and data["hooks"][0]["files"] == ["hooks/signup.js"]
    assert (ws / "hooks" / "signup.js").read_text() == script("dashboard edit", PRE)


def test_enable_and_disable(capsys, emu, ws):
    write_hook(ws, "claims2", CE)
    run(capsys, "-C", str(ws), "push")
    code, out, _ = run(capsys, "-C", str(ws), "enable", "claims2")
    assert code == 0
    assert "claims: disabled on the tenant (one enabled hook per trigger)" in out
    assert by_name(emu)["claims2"]["enabled"] and not by_name(emu)["claims"]["enabled"]
    assert json.loads((ws / "hooks" / "claims2.json").read_text())["enabled"] is True
    code, out, _ = run(capsys, "-C", str(ws), "disable", "claims2", "--json")
    assert code == 0 and json.loads(out)["enabled"] is False
    assert not by_name(emu)["claims2"]["enabled"]


def test_enable_of_a_hook_not_on_the_tenant_says_push_first(capsys, emu, ws):
    code, _, err = run(capsys, "-C", str(ws), "enable", "signup")
    assert code == 2 and "push it first" in err


def test_bad_credentials_are_a_clear_error_without_the_secret(capsys, monkeypatch, tmp_path, ws):
    with Emulator(client_id=EMU_ID, client_secret=EMU_SECRET) as em:
        tenant(monkeypatch, tmp_path, em, secret="wrong-secret-0a9b8c7d")
        code, out, err = run(capsys, "-C", str(ws), "status")
    assert code == 2
    assert "401" in err and "AUTH0_CLIENT_SECRET" in err
    assert "wrong-secret-0a9b8c7d" not in out + err


def test_no_credentials_say_how_to_connect(capsys, monkeypatch, tmp_path, ws):
    monkeypatch.setenv("HOOKTUI_CONFIG_DIR", str(tmp_path / "config"))
    for var in ("AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET", "AUTH0_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    code, _, err = run(capsys, "-C", str(ws), "push", "--json")
    assert code == 2 and "set AUTH0_DOMAIN" in err and "hooktui login" in err


def test_rate_limit_waits_are_printed(capsys, monkeypatch, tmp_path):
    root = tmp_path / "ws"
    for i in range(6):
        write_hook(root, f"hook-{i}", CE)
    with Emulator(client_id=EMU_ID, client_secret=EMU_SECRET, rate=RatePlan(rate=20.0, burst=2)) as em:
        tenant(monkeypatch, tmp_path, em)
        code, out, err = run(capsys, "-C", str(root), "push")
        statuses = [r.status for r in em.requests]
    assert code == 0 and "pushed 6 hooks" in out
    assert "hooktui: pacing: waiting" in err and "/2 left" in err
    assert 429 not in statuses


def test_logs_show_recent_entries_and_json_lines(capsys, emu, ws):
    run(capsys, "-C", str(ws), "push")
    code, out, _ = run(capsys, "-C", str(ws), "logs", "--type", "sapi", "-n", "3")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3 and all(" sapi " in line for line in lines)
    assert any("hook claims" in line for line in lines)
    code, out, _ = run(capsys, "-C", str(ws), "logs", "-n", "2", "--json")
    entries = [json.loads(line) for line in out.splitlines()]
    assert len(entries) == 2 and all("log_id" in e for e in entries)
    assert EMU_SECRET not in out and "key-4f1b2c3d" not in out


def test_a_workspace_that_names_its_tenant_is_not_pushed_elsewhere(capsys, monkeypatch, ws):
    (ws / "hooktui.toml").write_text('[tenant]\ndomain = "prod-tenant.eu.auth0.com"\n')
    monkeypatch.setenv("AUTH0_DOMAIN", "staging-tenant.eu.auth0.com")  # never contacted: refused first
    monkeypatch.setenv("AUTH0_TOKEN", "token-5e6f7a8b9c")
    code, _, err = run(capsys, "-C", str(ws), "push", "--yes")
    assert code == 2
    assert "refusing to write to staging-tenant.eu.auth0.com" in err and "prod-tenant.eu.auth0.com" in err
    assert "[tenant] domain" in err and "token-5e6f7a8b9c" not in err


def test_the_local_emulator_is_allowed_with_a_note(capsys, emu, ws):
    (ws / "hooktui.toml").write_text('[tenant]\ndomain = "prod-tenant.eu.auth0.com"\n')
    code, out, err = run(capsys, "-C", str(ws), "push")
    assert code == 0 and "pushed 2 hooks" in out
    assert "working with the local tenant at http://127.0.0.1" in err
