"""Where the four panes go at each terminal size, and the lines around them: the pane bar of
narrow mode, the flash line above the footer, and a footer that lists the keys that matter now.

Three arrangements, chosen by `plan_layout` (pure, so the arithmetic is tested on its own):
- wide (150 columns and more): hook list | editor | payload tester, the log under the three;
- medium (110 to 149, e.g. 120x40, the most common SSH size): hook list | editor on top, payload
  tester | log below, so the editor keeps 80 columns of code and the tester room for its JSON;
- single (below 110x30, or zoomed): one pane at a time, the pane bar names the keys.
The hook list is as wide as its longest name needs (up to a cap), so names are read in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

NARROW_WIDTH = 110
NARROW_HEIGHT = 30
WIDE_WIDTH = 150
HOOKS_MIN = 24
# A name up to ~30 characters is read in full (the marks, the sync and state columns, the frame).
HOOKS_MAX = 40
# The editor's frame: border (2), line numbers for up to 99 lines (4), its scrollbar (1).
EDITOR_FRAME = 7
EDITOR_CODE = 80

PANES = ("hooks", "editor", "tester", "log")
PANE_TITLES = {"hooks": "Hooks", "editor": "Editor", "tester": "Payload", "log": "Log"}
PANE_KEYS = {"hooks": "f2", "editor": "f3", "tester": "f4", "log": "f6"}


@dataclass(frozen=True)
class Layout:
    """One arrangement: `mode` is "wide", "medium" or "single"; the widths are in cells."""

    mode: str
    hooks: int = 0
    tester: int = 0  # medium: the payload tester's width in the lower row

    @property
    def grid_columns(self) -> str:
        if self.mode == "wide":
            return f"{self.hooks} 3fr 2fr"
        if self.mode == "medium":
            return f"{self.hooks} {max(1, self.tester - self.hooks)} 1fr"
        return "1fr"

    @property
    def grid_rows(self) -> str:
        return {"wide": "1fr 35%", "medium": "3fr 2fr"}.get(self.mode, "1fr")

    @property
    def grid_size(self) -> tuple[int, int]:
        return (1, 1) if self.mode == "single" else (3, 2)


def plan_layout(width: int, height: int, hooks_wanted: int, *, zoomed: bool = False) -> Layout:
    """The arrangement for a `width` x `height` terminal whose hook list would like
    `hooks_wanted` cells (HookList.wanted_width). Names come first up to HOOKS_MAX; the editor
    takes what is left, which at 120 columns is 80 columns of code for names up to 24 characters."""
    if zoomed or width < NARROW_WIDTH or height < NARROW_HEIGHT:
        return Layout("single")
    hooks = max(HOOKS_MIN, min(HOOKS_MAX, hooks_wanted))
    if width >= WIDE_WIDTH:
        return Layout("wide", hooks)
    # The lower row: the tester a little under half (its JSON and history columns fit in 55),
    # the log the rest (its lines are the longest).
    return Layout("medium", hooks, tester=max(hooks + 10, width * 45 // 100))


def editor_code_columns(width: int, hooks: int) -> int:
    """How many columns of code the editor shows beside a hook list `hooks` wide."""
    return width - hooks - EDITOR_FRAME


class PaneBar(Static):
    """The tab strip of narrow mode: which pane is shown, and the key of each."""

    DEFAULT_CSS = """
    PaneBar { height: 1; background: $panel; color: $text-muted; display: none; }
    """

    def show(self, active: str, keys: dict[str, str] | None = None) -> None:
        parts = []
        for pane in PANES:
            key = (keys or PANE_KEYS).get(pane, PANE_KEYS[pane]).split(",")[0]
            label = f" {key.upper()} {PANE_TITLES[pane]} "
            parts.append(f"[reverse]{label}[/]" if pane == active else label)
        self.update(" ".join(parts))


class FlashLine(Static):
    """One line above the footer, as k9s has: news from a pane that is not on screen (a run's
    outcome while only the editor shows). It goes by itself after a few seconds."""

    DEFAULT_CSS = """
    FlashLine { height: 1; padding: 0 1; background: $panel; display: none; }
    FlashLine.-error { color: $text-error; }
    FlashLine.-success { color: $text-success; }
    FlashLine.-warning { color: $text-warning; }
    """

    _timer: Any = None

    @property
    def text(self) -> str:
        return str(self.render()) if self.display else ""

    def flash(self, text: str, severity: str = "information", seconds: float = 8.0) -> None:
        self.update(Content(text))
        for name in ("error", "success", "warning"):
            self.set_class(severity == name, f"-{name}")
        self.display = True
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(seconds, self.clear)

    def clear(self) -> None:
        self.display = False
        if self._timer is not None:
            self._timer.stop()
        self._timer = None


class ConsoleFooter(Footer):
    """The footer in order of importance: the focused pane's keys first, then the global ones in
    GLOBAL_BINDINGS' order, the palette last. In single mode the pane bar already names the
    pane keys, so the footer leaves them out and what the pane does fits in 80 columns."""

    def __init__(self, global_actions: list[str], pane_actions: set[str], *, keep: tuple[str, ...] = ()) -> None:
        super().__init__(compact=True)
        self._global_order = {action: position for position, action in enumerate(global_actions)}
        self._pane_actions = pane_actions
        self._keep = set(keep)  # actions the footer never drops for room (help, run)
        self._width = 0
        self._shown: tuple[Any, ...] = ()  # what the footer shows now (see _signature)

    def _fitting(self, ordered: list[tuple[Any, bool, str]], palette: bool) -> list[tuple[Any, bool, str]]:
        """What fits on one line: the least important keys (the last ones) go first, except
        those in `keep`. What is dropped is still in F1's help and the palette."""
        room = (self.size.width or self.app.size.width) - (len("▏^p Palette") + 1 if palette else 0)

        def width(binding: Any) -> int:
            return len(self.app.get_key_display(binding)) + len(binding.description) + 2

        kept = list(ordered)
        while kept and sum(width(b) for b, _, _ in kept) > room:
            drop = next((i for i in range(len(kept) - 1, -1, -1) if kept[i][0].action not in self._keep), None)
            if drop is None:
                break
            del kept[drop]
        return kept

    def _keys(self) -> tuple[list[tuple[Any, bool, str]], tuple[Any, bool, str] | None]:
        """The keys to show, in order, and the palette's (docked right)."""
        active = self.screen.active_bindings
        single = self.screen.has_class("-single")
        own: list[tuple[Any, bool, str]] = []
        shared: list[tuple[int, Any, bool, str]] = []
        seen: set[str] = set()
        palette_key = getattr(self.app, "COMMAND_PALETTE_BINDING", "ctrl+p")
        for node, binding, enabled, tooltip in active.values():
            if not binding.show or binding.action in seen or binding.action == "command_palette":
                continue
            seen.add(binding.action)
            if binding.action in self._global_order and node is self.app:
                if single and binding.action in self._pane_actions:
                    continue
                shared.append((self._global_order[binding.action], binding, enabled, tooltip))
            else:
                own.append((binding, enabled, tooltip))
        palette = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and palette_key in active:
            _node, binding, enabled, _tooltip = active[palette_key]
            palette = (binding, enabled, binding.tooltip or binding.description)
        ordered = own + [(b, e, t) for _, b, e, t in sorted(shared, key=lambda item: item[0])]
        return self._fitting(ordered, palette is not None), palette

    def _signature(self) -> tuple[Any, ...]:
        keys, palette = self._keys()
        return tuple((b.key, b.description, e) for b, e, _ in keys), palette is not None and palette[1]

    def bindings_changed(self, screen: Any) -> None:
        # Focus moves change the bindings many times (at start-up, every Tab): the footer is
        # rebuilt (a remount of every key) only when what it shows changes.
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        if self.is_attached and self._signature() != self._shown:
            await self.recompose()

    def on_resize(self, event: Any) -> None:
        if event.size.width != self._width:
            self._width = event.size.width
            if self._bindings_ready:
                self.call_after_refresh(self._recompose_if_changed)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        keys, palette = self._keys()
        self._shown = tuple((b.key, b.description, e) for b, e, _ in keys), palette is not None and palette[1]
        self.styles.grid_size_columns = len(keys)
        for binding, enabled, tooltip in keys:
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description,
                            binding.action, disabled=not enabled,
                            tooltip=tooltip).data_bind(compact=Footer.compact)
        if palette is not None:
            binding, enabled, tooltip = palette
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description,
                            binding.action, classes="-command-palette", disabled=not enabled, tooltip=tooltip)
