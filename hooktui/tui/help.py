"""F1: the help screen, and its text made from the focused pane's HELP and the bindings that work
there now, each with its binding id (what the `[keys]` table of config.toml remaps)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen

from hooktui.core.config import user_config_dir
from hooktui.tui.layout import PANE_TITLES

if TYPE_CHECKING:
    from hooktui.tui.app import HooktuiApp


class HelpScreen(Screen[None]):
    """F1: what the focused pane does and every key that works there now."""

    BINDINGS = [Binding("escape,f1,q", "app.pop_screen", "Close", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background 60%; }
    HelpScreen > Vertical { width: 90%; max-width: 100; height: 90%; border: round $accent;
        background: $surface; padding: 1 2; }
    HelpScreen Static { width: 1fr; }
    """

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll
        from textual.widgets import Markdown

        with Vertical() as box:
            box.border_title = self._title
            box.border_subtitle = "esc closes"
            with VerticalScroll():
                yield Markdown(self._body)


def help_markdown(app: HooktuiApp) -> str:
    """F1's text: what the focused pane does, every key that works there now with its binding id,
    and the global keys."""
    pane = app._pane(app.active_pane)
    lines = [f"## {PANE_TITLES[app.active_pane]}", "", getattr(pane, "HELP", ""), "",
             "| key | does | binding id |", "|---|---|---|"]
    seen = set()
    for node in [app.focused, *(app.focused.ancestors_with_self if app.focused else [])]:
        if node is None:
            continue
        for binding in getattr(node, "BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            keys = app._key_for(binding.id, binding.key)
            lines.append(f"| `{keys}` | {binding.description} | `{binding.id or '-'}` |")
    lines += ["", "## Everywhere (also while typing)", "", "| key | does | binding id |", "|---|---|---|"]
    for binding in app.BINDINGS:
        assert isinstance(binding, Binding)
        lines.append(f"| `{app._key_for(binding.id, binding.key)}` | {binding.description} | `{binding.id}` |")
    lines += ["| `ctrl+p` | command palette: every action (hook, editor, payload, log, tenant, view, theme) | - |",
              "", "Each global action has an F-key and an alt key: terminals keep some for themselves "
              "(VS Code's F1, F5, F6, ctrl+p; Windows Terminal's alt+enter). If your terminal sends no alt "
              "(macOS Terminal: Settings, Profiles, Keyboard, *Use Option as Meta key*), the F-keys and "
              "`ctrl+p` reach every action.", "",
              "Keys can be remapped by binding id in the `[keys]` table of "
              f"`{user_config_dir(app.env) / 'config.toml'}`, e.g. `\"app.focus_log\" = \"f6,ctrl+l\"`."]
    return "\n".join(lines)
