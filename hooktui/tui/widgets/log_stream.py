"""The log stream pane: a live tail of the LogBuffer in Textual's `Log`, flushed in batches on a
timer, with the keys operators know from k9s (follow/pause, filter, clear, save, wrap, timestamps).

The pane keeps its own bounded history of LogEntry objects, so a filter or a toggle re-renders
the past; the Log itself only ever holds plain strings, coloured per line by a highlighter.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

from rich.color import Color, ColorParseError
from rich.highlighter import Highlighter
from rich.style import Style
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Log, Static

from hooktui.core.files import atomic_write
from hooktui.core.logbuffer import LogBuffer, LogEntry
from hooktui.tui.keys import KeySafeInput
from hooktui.tui.widgets.log_format import (  # LogFilter, hard_wrap: re-exported for tests and importers
    _COLUMNS,
    _LABEL_LEVEL,
    LEVEL_RANK,
    REMOTE_SOURCE_PREFIX,
    SKIP_SOURCE,
    LogFilter,
    _Clock,
    format_entry,
    hard_wrap,
)

FLUSH_INTERVAL = 1 / 15  # ~66 ms: one Log.write_lines per tick keeps a flood smooth
FLUSH_LIMIT = 5_000  # lines written per tick at most; a longer backlog waits for the next tick


class LevelHighlighter(Highlighter):
    """Styles the columns of a rendered line: time muted, the level by its level, the source,
    and the text of error, warn and debug lines. The styles come from the LogView's component
    classes, so they follow the theme (and an App stylesheet may refine them)."""

    def __init__(self, view: LogView) -> None:
        self._view = view

    def highlight(self, text: Text) -> None:
        match = _COLUMNS.match(text.plain)
        if match is None:
            return  # a wrapped continuation row
        style = self._view.style_for
        level = _LABEL_LEVEL[match.group(1)]
        start, end = match.span(1)
        if start:
            text.stylize(style("time"), 0, start)
        level_style = style(level)
        text.stylize(level_style + Style(bold=True), start, end)
        source_start, source_end = match.span(2)
        remote = text.plain.startswith(REMOTE_SOURCE_PREFIX, source_start)
        text.stylize(style("remote" if remote else "source"), source_start, source_end)
        if level != "info":
            text.stylize(level_style, match.end())


class LogView(Log):
    """Textual's Log, plus: scrolling up tells the pane to pause, `end` tells it to follow."""

    COMPONENT_CLASSES = {
        "log-view--time",
        "log-view--source",
        "log-view--remote",
        "log-view--debug",
        "log-view--info",
        "log-view--warn",
        "log-view--error",
    }
    DEFAULT_CSS = """
    LogView {
        height: 1fr;
        border: none;
        &.-wrap { overflow-x: hidden; }
        & > .log-view--time { color: $text-muted; }
        & > .log-view--source { color: $text-secondary; }
        & > .log-view--remote { color: $text-accent; text-style: bold italic; }
        & > .log-view--debug { color: $text-muted; }
        & > .log-view--info { color: $foreground; }
        & > .log-view--warn { color: $text-warning; }
        & > .log-view--error { color: $text-error; }
    }
    """

    def __init__(self, stream: LogStream, *, max_lines: int) -> None:
        super().__init__(highlight=True, max_lines=max_lines, id="log-view")
        self._stream = stream
        self.highlighter = LevelHighlighter(self)
        self._styles: dict[str, Style] = {}
        self._level_colors: dict[str, Color] = {}  # a theme file's [log] colours, over the CSS

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()  # a new theme, or focus tinting the background

    def style_for(self, part: str) -> Style:
        style = self._styles.get(part)
        if style is None:
            # The full style blends translucent colours ($text-muted) over the background; the
            # background itself is left to the Log, which tints it on focus.
            full = self.get_component_rich_style(f"log-view--{part}")
            color = self._level_colors.get(part, full.color)
            style = Style(color=color, bold=full.bold, italic=full.italic, underline=full.underline)
            self._styles[part] = style
        return style

    def set_level_colors(self, colors: Mapping[str, str]) -> None:
        self._level_colors = {level: Color.parse(value) for level, value in colors.items() if level in LEVEL_RANK}
        self._styles.clear()
        self.notify_style_update()
        self.refresh()

    def _user_scrolled_up(self) -> None:
        if self.max_scroll_y > 0:
            self._stream.pause()

    def action_scroll_up(self) -> None:
        self._user_scrolled_up()
        super().action_scroll_up()

    def action_page_up(self) -> None:
        self._user_scrolled_up()
        super().action_page_up()

    def action_scroll_home(self) -> None:
        self._user_scrolled_up()
        super().action_scroll_home()

    def action_scroll_end(self) -> None:
        super().action_scroll_end()
        self._stream.follow()

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if not (event.ctrl or event.shift):
            self._user_scrolled_up()
        super()._on_mouse_scroll_up(event)

    def on_resize(self, event: events.Resize) -> None:
        self._stream._view_resized()


class FilterInput(KeySafeInput):
    """The `/` prompt. Enter applies (the pane handles Input.Submitted), escape clears."""

    BINDINGS = [Binding("escape", "cancel", "Clear filter", id="log.filter_cancel")]

    def action_cancel(self) -> None:
        self.value = ""
        self.post_message(self.Submitted(self, ""))

    def on_blur(self) -> None:
        # Leaving the prompt closes it unless it holds a draft that was not applied yet.
        stream = next((node for node in self.ancestors if isinstance(node, LogStream)), None)
        if stream is not None and " ".join(self.value.split()) == stream.filter_text:
            self.remove_class("-open")


class LogStream(Vertical):
    """The log pane. The App appends to the LogBuffer; the pane drains it every ~66 ms."""

    BORDER_TITLE = "Log"
    ALLOW_MAXIMIZE = True  # zoom takes the whole pane, not just the Log inside it
    HELP = """\
**Log stream.** Every line the hooks log, with the executor's, reload and validation notices:
time, level, source (hook and run, e.g. `token-claims#r12`) and text, coloured by level. Lines
from the tenant (push and pull progress, rate-limit waits, and the tenant's own log while it is
followed) have the source `tenant` or `tenant-log`, in the accent colour: `/tenant` shows only
them. It follows new lines; `s` (or scrolling up) pauses and counts what arrives (`+N new`), `s` or
`end` follows again. `/` filters: words match text or source, `hook:NAME` (or `NAME#r12`) keeps
one hook, `level:warn` keeps warn and error; enter applies, escape clears. `w` wraps long
lines to the pane, `t` hides the time, `c` clears, `ctrl+s` saves what is shown to
`hooktui-log-<date>-<time>.log`. Under a flood the oldest unseen lines are skipped (and counted),
never the keys."""

    BINDINGS = [
        Binding("s", "toggle_follow", "Follow/pause", id="log.follow"),
        Binding("slash", "open_filter", "Filter", id="log.filter"),
        Binding("escape", "clear_filter", "Clear filter", id="log.clear_filter"),
        Binding("c", "clear", "Clear", id="log.clear"),
        Binding("ctrl+s", "save", "Save", id="log.save"),
        Binding("w", "toggle_wrap", "Wrap", id="log.wrap"),
        Binding("t", "toggle_timestamps", "Time", id="log.timestamps"),
    ]

    DEFAULT_CSS = """
    LogStream {
        border: round $panel;
        border-title-color: $foreground;
        height: 1fr;
        &:focus-within { border: round $accent; }
        & > #log-filter {
            display: none;
            height: 1;
            border: none;
            padding: 0 1;
            background: $panel;
            &.-open { display: block; }
        }
        & > #log-status {
            height: 1;
            padding: 0 1;
            background: $panel;
            color: $text-muted;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
    }
    """

    def __init__(
        self,
        buffer: LogBuffer,
        *,
        max_lines: int = 10_000,
        flush_limit: int = FLUSH_LIMIT,
        save_dir: Path | str | None = None,
        name: str | None = None,
        id: str | None = "log",
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.buffer = buffer
        self.max_lines = max_lines
        self.flush_limit = flush_limit
        self.save_dir = Path(save_dir) if save_dir is not None else None
        self._history: deque[LogEntry] = deque(maxlen=max_lines)
        self._pending: deque[LogEntry] = deque(maxlen=max_lines)  # matched while paused
        self._unseen = 0  # lines that matched while paused (the "+N new")
        self._skipped = 0  # lines this pane skipped under a flood
        self._dropped_base = buffer.dropped  # `c` resets the dropped count the status shows
        self._filter = LogFilter()
        self._following = True
        self._wrap = False
        self._timestamps = True
        self._wrap_width = 0
        self._clock = _Clock()
        self._status_shown: tuple | None = None
        self._live = ""  # what else feeds the pane live, e.g. "tenant log ● every 2 s"
        self._view = LogView(self, max_lines=max_lines)
        self._status_line = Static("", id="log-status", markup=False)

    def compose(self) -> ComposeResult:
        yield self._view
        yield FilterInput(placeholder="words  hook:NAME  level:warn   (enter applies, escape clears)", id="log-filter")
        yield self._status_line

    def on_mount(self) -> None:
        self.set_interval(FLUSH_INTERVAL, self.flush_now, name="log-flush")
        self._update_status()

    # -- what the App calls ---------------------------------------------------------------------

    @property
    def following(self) -> bool:
        return self._following

    @property
    def line_count(self) -> int:
        """Rows in the view (bounded by max_lines)."""
        return len(self._view.lines)

    @property
    def filter_text(self) -> str:
        return self._filter.raw

    def visible_lines(self) -> list[str]:
        """The rendered rows of the view, as plain text."""
        return list(self._view.lines)

    def flush_now(self) -> None:
        """Drain the buffer into the view now (the timer does it every ~66 ms): at most
        `flush_limit` lines per call, the rest on the next ticks. A backlog bigger than the view
        could keep anyway is cut from its oldest end, with a "… N lines skipped" line."""
        backlog = len(self.buffer)
        if backlog:
            keep = min(self.max_lines, 2 * self.flush_limit)
            skipped = backlog - keep + 1 if backlog > keep else 0  # + 1: room for the notice
            if skipped > 0:
                self.buffer.drain(skipped)
                self._skipped += skipped
            entries = self.buffer.drain(self.flush_limit)
            if skipped > 0:
                when = entries[0].time if entries else time.time()
                notice = LogEntry(when, "warn", SKIP_SOURCE,
                                  f"… {skipped:,} lines skipped (they arrived faster than the log can show)")
                entries.insert(0, notice)
            self._history.extend(entries)
            shown = [entry for entry in entries if self._filter.matches(entry)] if self._filter else entries
            if shown:
                if self._following:
                    self._write(shown)
                else:
                    self._pending.extend(shown)
                    self._unseen += len(shown)
        self._update_status()

    def clear(self) -> None:
        """Empty the view and the history (and what the buffer holds undrained)."""
        self.buffer.drain()
        self._history.clear()
        self._pending.clear()
        self._unseen = 0
        self._skipped = 0
        self._dropped_base = self.buffer.dropped
        self._view.clear()
        self._view.refresh()
        self._update_status()

    def set_filter(self, text: str) -> None:
        """Show only what matches `text`; "" shows everything. Raises ValueError on a bad filter."""
        new = LogFilter.parse(text)
        if new == self._filter:
            return
        self._filter = new
        self.border_subtitle = Content(f"filter: {new.raw}") if new else None
        self._render_all()
        self._update_status()

    def set_level_colors(self, colors: Mapping[str, str]) -> None:
        """Colours per level ("debug", "info", "warn", "error" -> "#rrggbb") from the theme file;
        levels left out keep the stylesheet's ($text-muted, $foreground, $text-warning,
        $text-error). Raises ValueError on a colour rich cannot parse."""
        try:
            self._view.set_level_colors(colors)
        except ColorParseError as error:
            raise ValueError(f"log colours: {error}") from error

    def set_live(self, text: str) -> None:
        """Say on the status line what else is live (the tenant's log being followed); "" for
        nothing."""
        self._live = text
        self._update_status()

    def pause(self) -> None:
        if self._following:
            self._following = False
            self._view.auto_scroll = False
            self._update_status()

    def follow(self) -> None:
        """Follow again: write what arrived while paused and jump to the end."""
        if not self._following:
            self._following = True
            self._view.auto_scroll = True
            self.flush_now()
            if self._pending:
                pending = list(self._pending)
                self._pending.clear()
                self._write(pending)
            self._unseen = 0
            self._view.scroll_end(animate=False, immediate=True, x_axis=False)
            self._update_status()

    # -- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            return bool(self._filter)  # otherwise escape goes on to whoever else wants it
        return True

    def action_toggle_follow(self) -> None:
        if self._following:
            self.pause()
        else:
            self.follow()

    def action_open_filter(self) -> None:
        prompt = self.query_one(FilterInput)
        if not prompt.value and self._filter:
            prompt.value = self._filter.raw
        prompt.add_class("-open")
        prompt.focus()  # selects what is there: typing replaces it, `end` extends it

    def action_clear_filter(self) -> None:
        self.query_one(FilterInput).value = ""
        self.set_filter("")

    def action_clear(self) -> None:
        self.clear()

    def action_toggle_wrap(self) -> None:
        self._wrap = not self._wrap
        self._view.set_class(self._wrap, "-wrap")
        self._view.scroll_to(x=0, animate=False, immediate=True)
        # The horizontal scrollbar goes away with wrapping: render once the width is known.
        self.call_after_refresh(self._render_all)
        self._update_status()

    def action_toggle_timestamps(self) -> None:
        self._timestamps = not self._timestamps
        self._render_all()

    def action_save(self) -> None:
        lines = [format_entry(entry, timestamps=True, clock=self._clock)
                 for entry in self._history if self._filter.matches(entry)]
        if not lines:
            self.notify("The log is empty: nothing to save", severity="warning")
            return
        folder = self.save_dir if self.save_dir is not None else Path.cwd()
        self._save(folder, "\n".join(lines) + "\n", len(lines))

    @work(exclusive=True, group="log-save", exit_on_error=False)
    async def _save(self, folder: Path, text: str, count: int) -> None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = folder / f"hooktui-log-{stamp}.log"
        suffix = 1
        while path.exists():  # two saves in one second keep both files
            path = folder / f"hooktui-log-{stamp}-{suffix}.log"
            suffix += 1
        try:
            await asyncio.to_thread(atomic_write, path, text)
        except OSError as error:
            self.notify(f"Could not save the log to {path}: {error.strerror or error}. "
                        "Check that the folder exists and is writable.", severity="error", timeout=10)
            return
        self.notify(f"Saved {count:,} lines to {path}", title="Log saved")

    # -- the filter prompt ---------------------------------------------------------------------

    @on(Input.Submitted, "#log-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.set_filter(event.value)
        except ValueError as error:
            self.notify(f"Filter not applied: {error}", severity="error")
            return  # the prompt stays open with what was typed
        prompt = self.query_one(FilterInput)
        prompt.remove_class("-open")
        self._view.focus()

    # -- rendering -----------------------------------------------------------------------------

    def _rows(self, entries: Iterable[LogEntry]) -> list[str]:
        timestamps, clock = self._timestamps, self._clock
        lines = [format_entry(entry, timestamps=timestamps, clock=clock) for entry in entries]
        width = self._wrap_width if self._wrap else 0
        if width < 20:
            return lines
        rows: list[str] = []
        for line in lines:
            rows.extend(hard_wrap(line, width))
        return rows

    def _write(self, entries: list[LogEntry]) -> None:
        self._view.write_lines(self._rows(entries), scroll_end=False)
        if self._following:
            self._view.scroll_end(animate=False, immediate=True, x_axis=False)

    def _render_all(self) -> None:
        """Re-render the view from the history (a filter, a toggle, a new width)."""
        self._wrap_width = self._view.scrollable_content_region.width
        entries = [entry for entry in self._history if self._filter.matches(entry)]
        self._pending.clear()
        self._unseen = 0
        keep_y = self._view.scroll_y
        self._view.clear()
        self._view.write_lines(self._rows(entries), scroll_end=False)
        self._view.refresh()
        if self._following:
            self._view.scroll_end(animate=False, immediate=True, x_axis=False)
        else:
            self._view.scroll_to(y=keep_y, animate=False, immediate=True)
        self._update_status()

    def _view_resized(self) -> None:
        if self._wrap and self._view.scrollable_content_region.width != self._wrap_width:
            self._render_all()

    def _update_status(self) -> None:
        if self._status_line.parent is None:
            return  # not composed yet
        dropped = self.buffer.dropped - self._dropped_base + self._skipped
        state = (self._following, self._unseen, self._filter.raw, self.line_count, dropped, self._wrap,
                 self._live)
        if state == self._status_shown:
            return
        self._status_shown = state
        if self._following:
            parts = [("● following", "$success")]
        else:
            parts = [(f"❚❚ paused · +{self._unseen:,} new", "$warning")]
        if self._filter:
            parts.append((f"filter: {self._filter.raw}", "$accent"))
        parts.append((f"{self.line_count:,} lines", ""))
        if dropped:
            parts.append((f"{dropped:,} dropped", "$error"))
        if self._wrap:
            parts.append(("wrap", ""))
        if self._live:
            parts.append((self._live, "$accent"))
        pieces: list[Content | str] = []
        for text, style in parts:
            if pieces:
                pieces.append(" · ")
            pieces.append(Content.styled(text, style) if style else text)
        self._status_line.update(Content.assemble(*pieces), layout=False)
