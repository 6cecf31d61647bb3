"""The command palette (ctrl+p, alt+x): every action of the console, each pane's and each tab's,
namespaced as posting does ("hook: …", "action: …", "editor: …", "payload: …", "log: …", "tenant: …",
"view: …", "theme: …"). A terminal that takes a key for itself never hides an action: it is here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from hooktui.tui import messages as m

if TYPE_CHECKING:
    from hooktui.tui.app import HooktuiApp


def console_commands(app: HooktuiApp) -> Iterator[SystemCommand]:
    hooks, editor, tester, log, tenant = app.hook_list, app.editor, app.tester, app.log_pane, app.tenant

    def in_pane(pane: str, then: Callable[[], object]) -> Callable[[], None]:
        # The pane comes into view first (narrow mode shows one at a time), then its action.
        def run() -> None:
            app.action_focus_pane(pane)
            then()

        return run

    def key(binding_id: str, default: str) -> str:
        return f" ({app.key_for(binding_id, default)})"

    yield SystemCommand("help: Keys of the focused pane" + key("app.help", "f1"),
                        "what the pane does, every key with its binding id", app.action_help)
    yield SystemCommand("hook: Run" + key("app.run", "f5"), "run the open hook, action or flow with the current payload",
                        app.action_run)
    yield SystemCommand("hook: Open the selected hook", "in the editor and the payload tester",
                        in_pane("hooks", hooks.action_open))
    yield SystemCommand("hook: New", "create a hook from its trigger's template", hooks.action_new_hook)
    yield SystemCommand("hook: Rename", "rename the selected hook and its files", hooks.action_rename)
    yield SystemCommand("hook: Delete", "delete the selected hook (both files, asked first)", hooks.action_delete)
    yield SystemCommand("hook: Enable / disable locally", "the selected hook's enabled flag in its JSON",
                        hooks.action_toggle)
    yield SystemCommand("hook: Group by trigger / flat", "how the hook list is ordered",
                        hooks.action_toggle_grouping)
    yield SystemCommand("hook: Clear the filter", "show every hook again", hooks.action_clear_filter)
    yield SystemCommand("hook: Validate workspace", "check every hook again and list the problems",
                        app.action_validate)
    def flow() -> None:
        trigger = hooks.highlighted_trigger or (app.actions.current[1] if app.actions.current else None)
        known = app.workspace.actions if app.workspace is not None else []
        if trigger is None or not any(a.trigger_id == trigger for a in known):
            app.notify("highlight an action or an action trigger's header in the list first", severity="warning")
            return
        app.actions.open_flow(trigger)

    yield SystemCommand("action: Open the selected action", "its code.js and settings in the editor, its events "
                        "in the tester", in_pane("hooks", hooks.action_open))
    yield SystemCommand("action: Open the trigger's flow", "the bound actions of the highlighted trigger, in order, "
                        "run together from the tester", flow)
    yield SystemCommand("action: Bind / unbind the selected action" + key("actions.bind", "space"),
                        "last in its trigger's flow, or out of it (triggers/triggers.json)", hooks.action_bind)
    yield SystemCommand("action: Move earlier in the flow" + key("actions.earlier", "shift+up"),
                        "the selected bound action runs one place earlier", lambda: hooks.action_move(-1))
    yield SystemCommand("action: Move later in the flow" + key("actions.later", "shift+down"),
                        "the selected bound action runs one place later", lambda: hooks.action_move(1))
    yield SystemCommand("action: New", "an action from its trigger's template, bound last in its flow "
                        "(on an action's row; elsewhere ctrl+n makes a hook)", hooks.action_new_hook)
    yield SystemCommand("action: Delete", "the selected action's files (asked first), unbound everywhere",
                        hooks.action_delete)
    yield SystemCommand("editor: Script tab", "the open hook's (or action's) JavaScript", lambda: app.action_switch_tab("script"))
    yield SystemCommand("editor: Settings tab" + key("editor.switch_tab", "f7"),
                        "the open hook's JSON: enabled flag, dependencies, secrets (masked)",
                        lambda: app.action_switch_tab("meta"))
    yield SystemCommand("editor: Save the shown buffer (ctrl+s)", "settings are validated first",
                        in_pane("editor", editor.action_save))
    yield SystemCommand("editor: Go to the error (ctrl+g)", "the line of the error shown under the editor",
                        in_pane("editor", editor.action_goto_error))
    yield SystemCommand("editor: Open in $EDITOR (f9)", "edit the shown file in your own editor",
                        lambda: editor.hook and app.post_message(m.ExternalEditRequested(
                            editor.hook, editor.active_kind, editor.target)))
    yield SystemCommand("editor: Reload the file from disk", "answer the changed-on-disk banner: take the disk's",
                        editor.action_reload_disk)
    yield SystemCommand("editor: Keep mine", "answer the changed-on-disk banner: the next save overwrites the disk",
                        editor.action_keep_mine)
    yield SystemCommand("editor: Show the diff with the disk", "answer the changed-on-disk banner later",
                        editor.action_show_diff)
    yield SystemCommand("payload: Payload tab", "edit the payload", in_pane("tester", lambda: tester.show_view("payload")))
    yield SystemCommand("payload: Result tab", "the last run's result", in_pane("tester", lambda: tester.show_view("result")))
    yield SystemCommand("payload: History tab", "this hook's runs (enter re-runs, c compares)",
                        in_pane("tester", lambda: tester.show_view("history")))
    yield SystemCommand("payload: Pick another payload (ctrl+o)", "the workspace's payloads, then the samples",
                        in_pane("tester", tester.action_pick))
    yield SystemCommand("payload: Compare the last two results", "a diff of the envelopes and output",
                        tester.action_compare_latest)
    yield SystemCommand("payload: Toggle run on save", "re-run the payload at every save of the hook",
                        tester.action_toggle_run_on_save)
    yield SystemCommand("payload: Save to workspace", "save the current payload under payloads/<hook>/",
                        tester.action_save_payload)
    yield SystemCommand("tenant: Refresh sync status" + key("tenant.refresh", "alt+r"),
                        "ask the tenant how each hook compares", lambda: app.action_tenant("refresh"))
    yield SystemCommand("tenant: Diff the selected hook" + key("tenant.diff", "alt+d"),
                        "the tenant's copy against the workspace's", lambda: app.action_tenant("diff"))
    yield SystemCommand("tenant: Push the selected hook" + key("tenant.push", "alt+p"),
                        "shows the plan, pushes once you confirm", lambda: app.action_tenant("push"))
    yield SystemCommand("tenant: Push all hooks", "shows the plan, pushes once you confirm",
                        lambda: app.action_tenant("push_all"))
    yield SystemCommand("tenant: Pull the selected hook" + key("tenant.pull", "alt+l"),
                        "take the tenant's changes; local ones are kept", lambda: app.action_tenant("pull"))
    yield SystemCommand("tenant: Pull all hooks", "take the tenant's changes; local ones are kept",
                        lambda: app.action_tenant("pull_all"))
    yield SystemCommand("tenant: Enable / disable the selected hook" + key("tenant.enable", "alt+e"),
                        "on the tenant, and in the workspace to match", lambda: app.action_tenant("enable"))
    yield SystemCommand("tenant: Stop following its log" if tenant.following_log else "tenant: Follow its log",
                        "the tenant's log entries in the log stream", lambda: app.action_tenant("log"))
    yield SystemCommand("log: Follow / pause (s)", "toggle following new lines", log.action_toggle_follow)
    yield SystemCommand("log: Filter (/)", "words, hook:NAME, level:warn", in_pane("log", log.action_open_filter))
    yield SystemCommand("log: Clear the filter", "show every line again", log.action_clear_filter)
    yield SystemCommand("log: Clear (c)", "clear the log stream", log.clear)
    yield SystemCommand("log: Save to file (ctrl+s)", "write the log lines to a file", log.action_save)
    yield SystemCommand("log: Wrap long lines (w)", "wrap to the pane, or scroll sideways", log.action_toggle_wrap)
    yield SystemCommand("log: Show / hide the time (t)", "the time column", log.action_toggle_timestamps)
    yield SystemCommand("view: Zoom pane" + key("app.zoom", "f8"), "show the focused pane on the whole screen and back",
                        app.action_zoom)
    for pane, binding_id, default in (("hooks", "app.focus_hooks", "f2"), ("editor", "app.focus_editor", "f3"),
                                      ("tester", "app.focus_tester", "f4"), ("log", "app.focus_log", "f6")):
        title = app.pane_title(pane)
        yield SystemCommand(f"view: {title}" + key(binding_id, default), f"focus the {title.lower()} pane",
                            lambda pane=pane: app.action_focus_pane(pane))
    for name in app.theme_names():
        yield SystemCommand(f"theme: {name}", "switch to this theme (remembered)",
                            lambda name=name: setattr(app, "theme", name))
