"""The console against a tenant: the real Management API emulator on 127.0.0.1, real keys through
Pilot, files on disk. No HTTP is mocked."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static, TextArea
from waiting import until

from hooktui.core.config import Credentials
from hooktui.core.settings import UserSettings
from hooktui.core.workspace import Workspace
from hooktui.remote.client import ManagementClient
from hooktui.sync.apply import Syncer
from hooktui.tenant.bucket import RatePlan
from hooktui.tenant.emulator import Emulator
from hooktui.tui.app import HooktuiApp
from hooktui.tui.demo import CHANGED_LOCALLY, CHANGED_REMOTELY, seed, start_demo_tenant
from hooktui.tui.dialogs import ChoiceDialog, ConfirmDialog, DiffDialog, PlanDialog
from hooktui.tui.widgets.hook_list import HookList
from hooktui.tui.widgets.log_stream import LogStream

CLIENT_ID, CLIENT_SECRET = "console-tests", "console-secret-4b1d"
REMOTE, LOCAL = CHANGED_REMOTELY, CHANGED_LOCALLY  # password-change-audit, token-claims


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, seed=7) as emu:
        yield emu


def credentials(emu: Emulator) -> Credentials:
    return Credentials(domain=emu.base_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


@pytest.fixture
async def seeded(workspace: Path, emulator: Emulator) -> Emulator:
    """Every example hook pushed, then REMOTE changed on the tenant and LOCAL in the workspace."""
    await seed(workspace, emulator.base_url, credentials(emulator))
    return emulator


def make_app(root: Path, emu: Emulator | None, **kw: Any) -> HooktuiApp:
    env = {"HOOKTUI_CONFIG_DIR": str(root.parent / "config")}  # no AUTH0_*: only what is passed
    return HooktuiApp(root, settings=UserSettings(), watch=False, save_dir=root.parent, env=env,
                      credentials=credentials(emu) if emu is not None else None, **kw)


def log_lines(app: HooktuiApp) -> list[str]:
    pane = app.query_one(LogStream)
    pane.flush_now()
    return pane.visible_lines()


def sync_of(app: HooktuiApp) -> dict[str, str]:
    return {row.name: row.sync for row in app.query_one(HookList).rows}


def remote_script(emu: Emulator, name: str) -> str:
    return next(h["script"] for h in emu.hooks.values() if h["name"] == name)


def text_of(widget: Static) -> str:
    content = widget.content
    return content.plain if hasattr(content, "plain") else str(content)


async def online(app: HooktuiApp, pilot) -> None:
    await until(pilot, lambda: app.tenant.state == "online" and "?" not in sync_of(app).values())


async def select(app: HooktuiApp, pilot, name: str) -> None:
    app.hook_list.focus()
    app.hook_list.select(name)
    await pilot.pause()


def notifications(app: HooktuiApp) -> str:
    return "\n".join(n.message for n in app._notifications)


# ---------------------------------------------------------------------------- status


async def test_the_sync_column_shows_each_hooks_status(workspace: Path, seeded: Emulator) -> None:
    app = make_app(workspace, seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await online(app, pilot)
        assert sync_of(app) == {
            REMOTE: "changed remotely", LOCAL: "changed locally", "signup-deny-list": "in sync",
            "sms-provider": "in sync", "welcome-notification": "in sync",
        }
        assert f"tenant {seeded.base_url.removeprefix('http://')} · connected" in app.sub_title
        # The marks on screen, and the sentence under the list for the highlighted hook.
        options = app.query_one("#hook-options")
        rendered = {options.get_option_at_index(i).id: str(options.get_option_at_index(i).prompt)
                    for i in range(options.option_count)}
        assert rendered[f"hook:{REMOTE}"].startswith("● ↓ ")
        assert rendered[f"hook:{LOCAL}"].startswith("● ↑ ")
        assert rendered["hook:sms-provider"].startswith("● ✓ ")
        await select(app, pilot, REMOTE)
        detail = text_of(app.query_one("#detail", Static))
        assert "changed on the tenant (script): alt+l pulls, alt+d diffs" in detail
        assert any("status against" in line and "1 changed remotely" in line for line in log_lines(app))


async def test_a_save_recomputes_the_status_without_asking_the_tenant(workspace: Path, seeded: Emulator) -> None:
    app = make_app(workspace, seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await online(app, pilot)
        requests = len(seeded.requests)
        await select(app, pilot, "sms-provider")
        await pilot.press("enter")
        await until(pilot, lambda: app.current == "sms-provider")
        area = app.query_one("#editor-script", TextArea)
        area.move_cursor((0, 0))
        await pilot.press(*"// edited here", "enter", "ctrl+s")
        await until(pilot, lambda: sync_of(app)["sms-provider"] == "changed locally")
        assert len(seeded.requests) == requests  # from the last snapshot: no request


async def test_the_refresh_key_asks_the_tenant_again(workspace: Path, seeded: Emulator) -> None:
    app = make_app(workspace, seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await online(app, pilot)
        async with ManagementClient(credentials(seeded)) as api:  # as if in the dashboard
            hook = next(h for h in await api.list_hooks() if h["name"] == "sms-provider")
            await api.update_hook(hook["id"], {"script": hook["script"] + "\n// dashboard edit\n"})
        assert sync_of(app)["sms-provider"] == "in sync"  # nothing polls behind the user's back
        await pilot.press("alt+r")
        await until(pilot, lambda: sync_of(app)["sms-provider"] == "changed remotely")


async def test_a_slow_tenant_never_holds_up_the_console(workspace: Path, seeded: Emulator) -> None:
    # The tenant answers nothing until the test says so: the run below has to finish while the
    # console is still waiting for it, however slow this machine is.
    answer = threading.Event()
    seeded.on_request = lambda record: answer.wait(60)
    app = make_app(workspace, seeded)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app._executor_ready)
            assert set(sync_of(app).values()) == {"?"}
            assert "connecting" in app.sub_title
            await select(app, pilot, LOCAL)
            await pilot.press("enter")
            await until(pilot, lambda: app.current == LOCAL)
            await pilot.press("f5")
            await until(pilot, lambda: LOCAL in app.last_results)
            assert app.tenant.state == "connecting"
            answer.set()
            await online(app, pilot)
    finally:
        answer.set()


# ---------------------------------------------------------------------------- diff


async def test_the_diff_key_shows_the_tenants_change(workspace: Path, seeded: Emulator) -> None:
    app = make_app(workspace, seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await online(app, pilot)
        await select(app, pilot, REMOTE)
        await pilot.press("alt+d")
        await until(pilot, lambda: isinstance(app.screen, DiffDialog))
        text = text_of(app.screen.query_one("#text", Static))
        assert f"--- tenant/{REMOTE}.js" in text and f"+++ hooks/{REMOTE}.js" in text
        assert "-    strategy: context.connection.strategy," in text  # on the tenant, not here
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, DiffDialog))
        # In sync: nothing to show, said in a notification.
        await select(app, pilot, "sms-provider")
        await pilot.press("alt+d")
        await until(pilot, lambda: "sms-provider: no differences" in notifications(app))
        assert not isinstance(app.screen, DiffDialog)


# ---------------------------------------------------------------------------- push


async def test_push_shows_the_plan_and_applies_it_once_confirmed(workspace: Path, seeded: Emulator) -> None:
    app = make_app(workspace, seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await online(app, pilot)
        await select(app, pilot, LOCAL)
        await pilot.press("alt+p")
        await until(pilot, lambda: isinstance(app.screen, PlanDialog))
        plan = text_of(app.screen.query_one("#plan-text", Static))
        assert LOCAL in plan and "update (script)" in plan
        assert "claims_version" not in remote_script(seeded, LOCAL)  # nothing sent before the answer
        await pilot.press("p")
        await until(pilot, lambda: "claims_version" in remote_script(seeded, LOCAL))
        await until(pilot, lambda: sync_of(app)[LOCAL] == "in sync")
        lines = log_lines(app)
        assert any("tenant" in line and f"{LOCAL}: update (script) done" in line for line in lines)
        assert any(f"pushed {LOCAL} to" in line for line in lines)


async def test_a_conflict_is_pushed_only_by_the_explicit_force_choice(workspace: Path, seeded: Emulator) -> None:
    script = workspace / "hooks" / f"{REMOTE}.js"
    script.write_text(script.read_text().replace("// Mask the address", "// Local edit. Mask the address"))
    app = make_app(workspace, seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await online(app, pilot)
        assert sync_of(app)[REMOTE] == "conflict"
        await select(app, pilot, REMOTE)
        await pilot.press("alt+p")
        await until(pilot, lambda: isinstance(app.screen, PlanDialog))
        dialog = app.screen
        assert "Conflicts" in text_of(dialog.query_one("#plan-text", Static))
        assert not dialog.query("#push")  # nothing to push without forcing
        assert app.focused is dialog.query_one("#cancel")  # the reflexive enter cancels
        await pilot.press("p")  # there is no plain push to take
        assert app.screen is dialog
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, PlanDialog))
        assert "Local edit" not in remote_script(seeded, REMOTE)
        # Forcing asks once more, and no is the default.
        await pilot.press("alt+p")
        await until(pilot, lambda: isinstance(app.screen, PlanDialog))
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("enter")  # focused: cancel
        await until(pilot, lambda: app.screen is app._main)
        assert "Local edit" not in remote_script(seeded, REMOTE)
        await until(pilot, lambda: app.tenant.busy is None)
        await pilot.press("alt+p")
        await until(pilot, lambda: isinstance(app.screen, PlanDialog))
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: "Local edit" in remote_script(seeded, REMOTE))
        await until(pilot, lambda: sync_of(app)[REMOTE] == "in sync")


async def test_unsaved_edits_are_saved_before_a_push_or_it_does_not_happen(workspace: Path, seeded: Emulator) -> None:
    app = make_app(workspace, seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await online(app, pilot)
        await select(app, pilot, LOCAL)
        await pilot.press("enter")
        await until(pilot, lambda: app.current == LOCAL)
        area = app.query_one("#editor-script", TextArea)
        area.move_cursor((0, 0))
        await pilot.press(*"// typed, not saved", "enter")
        await pilot.press("alt+p")  # from the editor: the open hook
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("c")  # cancel: the buffer is untouched, nothing planned
        await until(pilot, lambda: app.screen is app._main)
        assert app.editor.dirty and app.tenant.busy is None
        await pilot.press("alt+p")
        await until(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("s")  # save, then push
        await until(pilot, lambda: isinstance(app.screen, PlanDialog))
        assert not app.editor.dirty
        assert (workspace / "hooks" / f"{LOCAL}.js").read_text().startswith("// typed, not saved\n")
        await pilot.press("p")
        await until(pilot, lambda: remote_script(seeded, LOCAL).startswith("// typed, not saved\n"))


async def test_a_hook_that_does_not_compile_is_refused(workspace: Path, seeded: Emulator) -> None:
    script = workspace / "hooks" / f"{LOCAL}.js"
    script.write_text("module.exports = function (client, scope, audience, context, cb) {\n  let x = ;\n};\n")
    app = make_app(workspace, seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await online(app, pilot)
        before = remote_script(seeded, LOCAL)
        requests = len(seeded.requests)
        await select(app, pilot, LOCAL)
        await pilot.press("alt+p")
        await until(pilot, lambda: "does not compile" in notifications(app))
        assert f"hooks/{LOCAL}.js:2:11" in notifications(app)
        assert remote_script(seeded, LOCAL) == before
        assert len(seeded.requests) == requests  # refused before asking the tenant anything
        assert not isinstance(app.screen, PlanDialog)


# ---------------------------------------------------------------------------- pull


async def test_pull_takes_the_tenants_change_and_keeps_a_local_one(workspace: Path, seeded: Emulator) -> None:
    # LOCAL changed here already; change it on the tenant too: a conflict.
    async with ManagementClient(credentials(seeded)) as api:
        hook = next(h for h in await api.list_hooks() if h["name"] == LOCAL)
        await api.update_hook(hook["id"], {"script": hook["script"].replace("var NAMESPACE", "// tenant edit\nvar NAMESPACE")})
    local_text = (workspace / "hooks" / f"{LOCAL}.js").read_text()
    app = make_app(workspace, seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await online(app, pilot)
        assert sync_of(app)[LOCAL] == "conflict"
        await select(app, pilot, REMOTE)
        await pilot.press("enter")
        await until(pilot, lambda: app.current == REMOTE)
        area = app.query_one("#editor-script", TextArea)
        assert "strategy" not in area.text
        await pilot.press("alt+shift+l")  # every hook
        await until(pilot, lambda: "strategy: context.connection.strategy" in area.text)
        assert "strategy: context.connection.strategy" in (workspace / "hooks" / f"{REMOTE}.js").read_text()
        assert not app.editor.dirty
        # The conflict: the local text stays, the tenant's goes beside it.
        assert (workspace / "hooks" / f"{LOCAL}.js").read_text() == local_text
        assert "// tenant edit" in (workspace / "hooks" / f"{LOCAL}.remote.js").read_text()
        await until(pilot, lambda: sync_of(app)[REMOTE] == "in sync")
        assert sync_of(app)[LOCAL] == "conflict"
        assert any(f"{LOCAL}.remote.js" in line for line in log_lines(app))
        # The toast names the console's way to force a push, not the CLI's flag.
        assert "alt+p, then f to force it" in notifications(app) and "--force" not in notifications(app)
        # Taking the tenant's copy settles the conflict for good: the next edit is a local change.
        beside = workspace / "hooks" / f"{LOCAL}.remote.js"
        (workspace / "hooks" / f"{LOCAL}.js").write_text(beside.read_text())
        beside.unlink()
        await pilot.press("alt+r")
        await until(pilot, lambda: sync_of(app).get(LOCAL) == "in sync")
        script = workspace / "hooks" / f"{LOCAL}.js"
        script.write_text(script.read_text().replace("// tenant edit", "// tenant edit, then mine"))
        await pilot.press("alt+r")
        await until(pilot, lambda: sync_of(app).get(LOCAL) == "changed locally")


async def test_enable_and_disable_on_the_tenant_after_asking(workspace: Path, seeded: Emulator) -> None:
    app = make_app(workspace, seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await online(app, pilot)
        await select(app, pilot, "sms-provider")
        await pilot.press("alt+e")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")
        await until(pilot, lambda: app.screen is app._main)
        assert next(h for h in seeded.hooks.values() if h["name"] == "sms-provider")["enabled"] is True
        await pilot.press("alt+e")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await until(pilot, lambda: next(h for h in seeded.hooks.values() if h["name"] == "sms-provider")["enabled"] is False)
        # The workspace follows, and the list says so.
        await until(pilot, lambda: not next(r for r in app.hook_list.rows if r.name == "sms-provider").enabled)
        assert '"enabled": false' in (workspace / "hooks" / "sms-provider.json").read_text()
        await until(pilot, lambda: sync_of(app)["sms-provider"] == "in sync")


# ---------------------------------------------------------------------------- the log stream


async def test_rate_limit_waits_reach_the_log_stream(workspace: Path) -> None:
    with Emulator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, rate=RatePlan(rate=5, burst=2)) as emu:
        emu.seed_hooks([{"name": "sms-provider", "triggerId": "send-phone-message", "script": "x"},
                        {"name": "token-claims", "triggerId": "credentials-exchange", "script": "y"}])
        app = make_app(workspace, emu)
        async with app.run_test(size=(120, 40)) as pilot:
            await online(app, pilot)
            waits = [line for line in log_lines(app) if "pacing: waiting" in line or "rate limited" in line]
            assert waits and all(" tenant " in line for line in waits)


async def test_the_tenant_log_is_a_source_of_the_log_stream(workspace: Path, seeded: Emulator) -> None:
    app = make_app(workspace, seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await online(app, pilot)
        await pilot.press("alt+t")
        # The seeding's API calls are in the tenant's log (sapi), formatted one per line.
        await until(pilot, lambda: any("tenant-log" in line and "Success API Operation" in line
                                       for line in log_lines(app)))
        assert app.tenant.following_log
        assert "tenant log" in text_of(app.query_one("#log-status", Static))
        await pilot.press("alt+t")
        assert not app.tenant.following_log
        await until(pilot, lambda: "tenant log" not in text_of(app.query_one("#log-status", Static)))


# ---------------------------------------------------------------------------- offline


async def test_offline_the_console_works_and_says_how_to_connect(workspace: Path) -> None:
    app = make_app(workspace, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app._executor_ready)
        assert "offline" in app.sub_title
        assert not app.query_one(HookList).sync_shown
        assert set(sync_of(app).values()) == {""}
        await select(app, pilot, LOCAL)
        await pilot.press("alt+p")
        await until(pilot, lambda: "AUTH0_DOMAIN" in notifications(app))
        text = notifications(app)
        assert "AUTH0_CLIENT_SECRET" in text and "hooktui login" in text and "hooktui demo" in text
        assert any("not connected to a tenant" in line for line in log_lines(app))
        # Local work goes on: open and run the hook.
        await pilot.press("enter")
        await until(pilot, lambda: app.current == LOCAL)
        await pilot.press("f5")
        await until(pilot, lambda: LOCAL in app.last_results)
        assert app.tenant._client is None  # nothing remote was started


# ---------------------------------------------------------------------------- the demo


async def test_the_demo_tenant_has_a_hook_changed_remotely_and_one_changed_locally(workspace: Path) -> None:
    tenant = await asyncio.to_thread(start_demo_tenant, workspace, rate="100/50")
    try:
        assert tenant.base_url.startswith("http://127.0.0.1:")
        async with ManagementClient(tenant.credentials) as api:
            entries = await Syncer(Workspace.open(workspace), api).entries()
        statuses = {e.name: str(e.status) for e in entries}
        assert statuses.pop(tenant.changed_remotely) == "changed remotely"
        assert statuses.pop(tenant.changed_locally) == "changed locally"
        assert set(statuses.values()) == {"in sync"}
    finally:
        tenant.stop()


def test_writes_to_a_tenant_the_workspace_does_not_name_are_refused(workspace):
    """The rule behind push, pull and enable in the console (the CLI has the same): a real
    tenant other than hooktui.toml's [tenant] domain is refused; a loopback emulator is not."""
    from types import SimpleNamespace

    from hooktui.tui.tenant import TenantController

    controller = object.__new__(TenantController)
    controller.app = SimpleNamespace(workspace=Workspace(workspace))  # names example-tenant.us.auth0.com
    controller.credentials = Credentials(domain="prod-tenant.eu.auth0.com", token="t")
    refused = controller._tenant_mismatch()
    assert refused is not None
    assert "refusing to write to prod-tenant.eu.auth0.com" in refused and "example-tenant.us.auth0.com" in refused
    controller.credentials = Credentials(domain="example-tenant.us.auth0.com", token="t")
    assert controller._tenant_mismatch() is None
    controller.credentials = Credentials(domain="http://127.0.0.1:8080", token="t")
    assert controller._tenant_mismatch() is None


async def test_a_push_that_fails_half_way_says_what_was_and_was_not_done(workspace: Path, seeded: Emulator) -> None:
    hooks = workspace / "hooks"
    (hooks / "big-audit.js").write_text((hooks / f"{REMOTE}.js").read_text().replace("// Mask", "// big. Mask"))
    (hooks / "big-audit.json").write_text(
        '{"name": "big-audit", "triggerId": "post-change-password", "enabled": false,'
        ' "script": "./big-audit.js", "dependencies": {}, "secrets": {"S1": "one-1a2b", "S2": "two-3c4d"}}')

    def race(record: Any) -> None:
        # Someone adds S1 to the new hook between our create and our secrets: a 409 no retry fixes.
        if record.method == "POST" and record.path == "/api/v2/hooks" and record.status == 201:
            for hook_id, hook in seeded.hooks.items():
                if hook["name"] == "big-audit":
                    seeded.secrets[hook_id]["S1"] = "theirs"

    seeded.on_request = race
    app = make_app(workspace, seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await online(app, pilot)
        assert sync_of(app)["big-audit"] == "only local"
        await select(app, pilot, "big-audit")
        await pilot.press("alt+p")
        await until(pilot, lambda: isinstance(app.screen, PlanDialog))
        await pilot.press("p")
        await until(pilot, lambda: "push failed" in [n.title for n in app._notifications])
        lines = log_lines(app)
        assert any("not pushed: big-audit: add secrets S1, S2 failed" in line for line in lines), lines
        assert any("done before it: create" in line for line in lines)
        assert any("push again to finish" in line for line in lines)
        assert "one-1a2b" not in "\n".join(lines) + notifications(app)
        # The state file knows the hook was created: it is not "only local" (a second create) now.
        await until(pilot, lambda: sync_of(app).get("big-audit") not in (None, "?"))
        assert sync_of(app)["big-audit"] == "conflict"
        assert [h["name"] for h in seeded.hooks.values()].count("big-audit") == 1


async def test_a_push_to_a_tenant_the_workspace_does_not_name_is_refused(workspace: Path, monkeypatch) -> None:
    """Through the console's own push key: the example workspace names example-tenant.us.auth0.com;
    the credentials point at another tenant. Its address leads to a closed port on this machine
    (a proxy that is not there), so nothing can leave it whatever happens."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{closed}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    app = HooktuiApp(workspace, settings=UserSettings(), watch=False, save_dir=workspace.parent,
                     env={"HOOKTUI_CONFIG_DIR": str(workspace.parent / "config")},
                     credentials=Credentials(domain="prod-tenant.eu.auth0.com", token="token-9f8e7d6c"))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.tenant.busy is None and app._executor_ready)
        await select(app, pilot, LOCAL)
        await pilot.press("alt+p")
        await until(pilot, lambda: "refusing to write to prod-tenant.eu.auth0.com" in notifications(app))
        assert "example-tenant.us.auth0.com" in notifications(app)
        assert not isinstance(app.screen, PlanDialog)
        assert any("push: refusing to write to prod-tenant.eu.auth0.com" in line for line in log_lines(app))
        assert "token-9f8e7d6c" not in notifications(app) + "\n".join(log_lines(app))


async def test_a_hook_only_on_the_tenant_has_a_greyed_row_that_pull_takes(workspace: Path, seeded: Emulator) -> None:
    async with ManagementClient(credentials(seeded)) as api:
        await api.create_hook({"name": "tenant-only-audit", "triggerId": "post-change-password",
                               "script": "module.exports = function (user, context, cb) { cb(); };",
                               "enabled": False})
    app = make_app(workspace, seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await online(app, pilot)
        await until(pilot, lambda: "tenant-only-audit" in sync_of(app))
        row = next(r for r in app.hook_list.rows if r.name == "tenant-only-audit")
        assert row.remote_only and row.sync == "only remote" and row.trigger == "post-change-password"
        options = app.query_one("#hook-options")
        index = options.get_option_index("hook:tenant-only-audit")
        prompt = options.get_option_at_index(index).prompt
        assert "tenant-only-audit" in str(prompt)
        assert all("$text-muted" in str(span.style) for span in prompt.spans if span.end > 2), "not greyed"
        await select(app, pilot, "tenant-only-audit")
        detail = text_of(app.query_one("#detail", Static))
        assert "only on the tenant" in detail and "alt+l pulls it" in detail
        await pilot.press("enter")  # nothing to open yet: it says how to get it
        await until(pilot, lambda: "alt+l" in notifications(app))
        assert app.current is None
        await pilot.press("alt+l")
        script = workspace / "hooks" / "tenant-only-audit.js"
        await until(pilot, script.exists)
        await until(pilot, lambda: any(r.name == "tenant-only-audit" and not r.remote_only
                                       for r in app.hook_list.rows))
