"""The console's global keys: which ones, why those, and how they arrive from a terminal.

Every global binding is a priority binding, so it is the App's before any pane's: a TextArea's
own f6 ("select line") or f7 ("select all") never wins, and no global key reaches a buffer. The
App's check_action keeps them to the main screen, so that a dialog's keys come first in a dialog.

Each global action has an F-key and an alt+ key, because terminals take different keys for
themselves (harlequin's issues #229 and #826 list what users met):
- VS Code's terminal keeps F1, F5, F6, F9-F11, ctrl+p, ctrl+e, ctrl+j, ctrl+k and ctrl+q for its
  own commands unless told otherwise; it passes alt+letter and alt+digit.
- Windows Terminal keeps alt+enter, alt+space, alt+arrows, alt+shift+minus/plus and
  ctrl+alt+digits; it passes F-keys, alt+letter and alt+digit.
- tmux, screen and ssh pass F-keys and send alt+x as ESC then x.
- macOS Terminal sends alt+letter only with "Use Option as Meta key"; without it, option+1 types
  "¡": the F-keys and the palette (ctrl+p, alt+x) still work.
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.widgets import Input, TextArea


def read_escape_digit_as_alt() -> None:
    """Textual reads ESC+digit as the characters WezTerm on macOS types for option+digit (ESC 1 is
    "¡", ESC 2 is "™"). Every other terminal that sends ESC+digit (xterm, tmux, screen, VS Code,
    Windows Terminal) means alt+digit by it: read so, alt+1 reaches its binding instead of
    typing "¡" into the buffer."""
    from textual import _ansi_sequences

    table = _ansi_sequences.ANSI_SEQUENCES_KEYS
    for digit in "0123456789":
        table.pop(f"\x1b{digit}", None)  # type: ignore[attr-defined]  # a dict under a Mapping hint


read_escape_digit_as_alt()


def is_alt_chord(event: events.Key) -> bool:
    """An alt+ key that nothing bound: the terminal sent ESC then a letter, which is not typing."""
    return event.key.startswith("alt+")


class KeySafeTextArea(TextArea):
    """A TextArea that never types an alt+ key nothing took (Textual would insert its letter)."""

    async def _on_key(self, event: events.Key) -> None:
        if is_alt_chord(event):
            event.prevent_default()  # TextArea's own handler would insert the letter


class KeySafeInput(Input):
    """An Input that never types an alt+ key nothing took."""

    async def _on_key(self, event: events.Key) -> None:
        if is_alt_chord(event):
            event.prevent_default()


# The global bindings, in the order of importance the footer and F1 show them.
GLOBAL_BINDINGS = [
    Binding("f1", "help", "Help", id="app.help", priority=True),
    Binding("f5,ctrl+r", "run", "Run", id="app.run", priority=True),
    Binding("f2,alt+1", "focus_pane('hooks')", "Hooks", id="app.focus_hooks", priority=True),
    Binding("f3,alt+2", "focus_pane('editor')", "Editor", id="app.focus_editor", priority=True),
    Binding("f4,alt+3", "focus_pane('tester')", "Payload", id="app.focus_tester", priority=True),
    Binding("f6,alt+4", "focus_pane('log')", "Log", id="app.focus_log", priority=True),
    Binding("f7,alt+s", "switch_tab", "Script/settings", id="editor.switch_tab", priority=True),
    Binding("f8,alt+z", "zoom", "Zoom", id="app.zoom", priority=True),
    Binding("ctrl+p,alt+x", "command_palette", "Palette", id="app.palette", priority=True),
    Binding("ctrl+q,alt+q", "quit", "Quit", id="app.quit", priority=True),
    # The tenant: alt+letter for the selected hook, alt+shift+letter for every hook.
    Binding("alt+r", "tenant('refresh')", "Tenant: refresh the sync status", show=False,
            id="tenant.refresh", priority=True),
    Binding("alt+d", "tenant('diff')", "Tenant: diff the hook with the tenant", show=False,
            id="tenant.diff", priority=True),
    Binding("alt+p", "tenant('push')", "Tenant: push the hook (shows the plan first)", show=False,
            id="tenant.push", priority=True),
    Binding("alt+shift+p", "tenant('push_all')", "Tenant: push every hook (shows the plan first)",
            show=False, id="tenant.push_all", priority=True),
    Binding("alt+l", "tenant('pull')", "Tenant: pull the hook", show=False, id="tenant.pull", priority=True),
    Binding("alt+shift+l", "tenant('pull_all')", "Tenant: pull every hook", show=False,
            id="tenant.pull_all", priority=True),
    Binding("alt+e", "tenant('enable')", "Tenant: enable or disable the hook there", show=False,
            id="tenant.enable", priority=True),
    Binding("alt+t", "tenant('log')", "Tenant: follow its log in the log stream, or stop", show=False,
            id="tenant.log", priority=True),
]

# Actions that work on any screen: quitting asks first anyway.
ANY_SCREEN = {"quit"}
