"""The log stream pane in a tiny host app, driven with real keys."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest
from rich.text import Text
from textual.app import App, ComposeResult

from hooktui.core.logbuffer import LogBuffer, LogEntry
from hooktui.core.results import LogEvent
from hooktui.tui.widgets.log_stream import FilterInput, LogFilter, LogStream, LogView, hard_wrap

AT = 1_700_000_000.25  # a fixed time, so the rendered clock is known


def clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at)) + f".{int(round((at % 1) * 1000)):03d}"


class Host(App):
    def __init__(self, buffer: LogBuffer, **options) -> None:
        super().__init__()
        self.buffer = buffer
        self.options = options

    def compose(self) -> ComposeResult:
        yield LogStream(self.buffer, **self.options)

    def on_mount(self) -> None:
        self.query_one(LogView).focus()


def fill(buffer: LogBuffer, count: int, *, start: int = 0, hook: str = "chatty") -> None:
    for i in range(start, start + count):
        buffer.add("info", hook, f"line {i}", hook=hook, run_id="r1", at=AT)


def mixed(buffer: LogBuffer) -> None:
    buffer.add_event(LogEvent(AT, "token-claims", "r12", "info", "issued a token"))
    buffer.add_event(LogEvent(AT, "token-claims", "r12", "error", "\x1b[31mboom\x1b[0m"))
    buffer.add("warn", "reload", "token-claims reloaded", hook="token-claims", at=AT)
    buffer.add("debug", "executor", "worker 2 started", at=AT)
    buffer.add_event(LogEvent(AT, "sms-provider", "r13", "info", "sent SMS"))


def status(app: App) -> str:
    return str(app.query_one("#log-status").render())


async def test_lines_show_time_level_source_with_run_and_text() -> None:
    buffer = LogBuffer()
    app = Host(buffer)
    async with app.run_test(size=(120, 40)) as pilot:
        stream = app.query_one(LogStream)
        assert "following" in status(app)  # from the start, before any line
        mixed(buffer)
        stream.flush_now()
        await pilot.pause()
        lines = stream.visible_lines()
        stamp = clock(AT)
        assert lines == [
            f"{stamp} INFO  token-claims#r12 issued a token",
            f"{stamp} ERROR token-claims#r12 boom",  # ANSI stripped
            f"{stamp} WARN  reload           token-claims reloaded",
            f"{stamp} DEBUG executor         worker 2 started",
            f"{stamp} INFO  sms-provider#r13 sent SMS",
        ]
        assert stream.line_count == 5
        assert len(buffer) == 0
        assert "5 lines" in status(app)
        assert app.query_one(LogStream).border_title == "Log"


async def test_the_timer_flushes_without_being_asked() -> None:
    buffer = LogBuffer()
    app = Host(buffer)
    async with app.run_test(size=(120, 40)) as pilot:
        stream = app.query_one(LogStream)
        fill(buffer, 3)
        for _ in range(50):
            if stream.line_count == 3:
                break
            await pilot.pause(0.02)
        assert stream.line_count == 3


async def test_levels_are_coloured_by_the_theme() -> None:
    buffer = LogBuffer()
    app = Host(buffer)
    async with app.run_test(size=(120, 40)) as pilot:
        stream = app.query_one(LogStream)
        view = app.query_one(LogView)
        mixed(buffer)
        stream.flush_now()
        await pilot.pause()

        def colour_of(y: int, word: str):
            segments = list(view.render_line(y))
            return next(seg.style.color for seg in segments if seg.text.strip() == word)

        error, warn, debug, info = (view.style_for(level).color for level in ("error", "warn", "debug", "info"))
        assert len({error, warn, debug, info}) == 4
        assert colour_of(0, "INFO") == info
        assert colour_of(1, "ERROR") == error
        assert colour_of(1, "boom") == error  # the text of an error line too
        assert colour_of(2, "WARN") == warn
        assert colour_of(3, "DEBUG") == debug
        assert colour_of(0, "issued a token") == colour_of(4, "sent SMS")  # info text: default colour
        # The theme's error colour: switching the theme changes it.
        app.theme = "textual-light"
        await pilot.pause()
        assert view.style_for("error").color != error

        # A theme file's [log] colours win over the stylesheet's.
        stream.set_level_colors({"error": "#ff0000", "debug": "#123456"})
        await pilot.pause()
        assert colour_of(1, "ERROR").triplet.hex == "#ff0000"
        assert colour_of(3, "worker 2 started").triplet.hex == "#123456"
        with pytest.raises(ValueError, match="log colours"):
            stream.set_level_colors({"warn": "not-a-colour"})

        # The highlighter leaves wrapped continuation rows (no columns) alone.
        plain = view.highlighter(Text("      continued text"))
        assert not plain.spans


async def test_filter_by_text_hook_and_level_with_keys() -> None:
    buffer = LogBuffer()
    app = Host(buffer)
    async with app.run_test(size=(120, 40)) as pilot:
        stream = app.query_one(LogStream)
        mixed(buffer)
        stream.flush_now()

        await pilot.press("slash")
        prompt = app.query_one(FilterInput)
        assert prompt.has_focus and prompt.display
        status_line = app.query_one("#log-status").region
        assert prompt.region.height == 1 and prompt.region.bottom <= status_line.y  # above it, not under it
        await pilot.press(*"BOOM", "enter")
        assert [line.split()[-1] for line in stream.visible_lines()] == ["boom"]
        assert "filter: BOOM" in status(app)
        assert "filter: BOOM" in str(stream.border_subtitle)
        assert not prompt.display and app.query_one(LogView).has_focus

        # The prompt reopens with the active filter, selected: typing replaces it.
        await pilot.press("slash")
        assert prompt.value == "BOOM"
        await pilot.press(*"hook:sms-provider", "enter")
        assert [line.split()[-1] for line in stream.visible_lines()] == ["SMS"]

        # A hook filter keeps the lines about that hook from other sources (a reload).
        await pilot.press("slash", *"hook:token-claims", "enter")
        assert len(stream.visible_lines()) == 3

        # level:warn keeps warn and error; words and keys combine.
        await pilot.press("slash", *"level:warn", "enter")
        assert [line.split()[1] for line in stream.visible_lines()] == ["ERROR", "WARN"]
        await pilot.press("slash", "end", *" reload", "enter")
        assert stream.filter_text == "level:warn reload"
        assert [line.split()[1] for line in stream.visible_lines()] == ["WARN"]

        # Lines arriving later are filtered too.
        buffer.add("error", "reload", "reload failed: SyntaxError", hook="token-claims", at=AT)
        buffer.add("info", "reload", "reloaded", hook="token-claims", at=AT)
        stream.flush_now()
        assert [line.split()[1] for line in stream.visible_lines()] == ["WARN", "ERROR"]

        # Escape in the log clears the filter: everything is back.
        await pilot.press("escape")
        assert len(stream.visible_lines()) == 7
        assert "filter" not in status(app)
        assert not stream.border_subtitle

        # Escape in the prompt clears it too.
        await pilot.press("slash", *"boom", "enter")
        assert len(stream.visible_lines()) == 1
        await pilot.press("slash", "escape")
        assert len(stream.visible_lines()) == 7
        assert not prompt.display and prompt.value == ""


async def test_a_bad_filter_is_refused_and_the_typing_kept() -> None:
    buffer = LogBuffer()
    app = Host(buffer)
    async with app.run_test(size=(120, 40)) as pilot:
        stream = app.query_one(LogStream)
        mixed(buffer)
        stream.flush_now()
        await pilot.press("slash", *"level:loud", "enter")
        await pilot.pause()
        assert any("unknown level 'loud'" in n.message for n in app._notifications)
        prompt = app.query_one(FilterInput)
        assert prompt.display and prompt.has_focus and prompt.value == "level:loud"
        assert len(stream.visible_lines()) == 5
        # Leaving the prompt keeps the draft open and intact.
        await pilot.press("tab")
        assert not prompt.has_focus and prompt.display
        await pilot.press("slash")
        assert prompt.value == "level:loud"


def test_the_buffer_keeps_one_line_for_a_trailing_newline() -> None:
    buffer = LogBuffer()
    buffer.add("error", "validation", "first\r\nsecond\n")
    buffer.add("info", "reload", "")
    assert [entry.text for entry in buffer.drain()] == ["first", "second", ""]


def test_the_buffer_loses_and_doubles_nothing_between_threads() -> None:
    """The executor's reader thread adds while the pane drains on the UI loop: every line is
    drained once, or counted as dropped when the bound pushed it out."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, to make any race show
    try:
        buffer = LogBuffer(limit=500)
        producers, per_producer = 4, 5_000
        drained: list[LogEntry] = []
        done = threading.Event()

        def produce(n: int) -> None:
            for i in range(per_producer):
                buffer.add("info", f"p{n}", f"{n}:{i}")

        def consume() -> None:
            while not done.is_set() or len(buffer):
                drained.extend(buffer.drain(7 if len(drained) % 2 else None))

        threads = [threading.Thread(target=produce, args=(n,)) for n in range(producers)]
        consumer = threading.Thread(target=consume)
        consumer.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        consumer.join(30)
        assert not consumer.is_alive(), "the consumer never saw the buffer empty"
    finally:
        sys.setswitchinterval(previous)
    texts = [entry.text for entry in drained]
    assert len(texts) == len(set(texts)), "a line was drained twice"
    assert len(texts) + buffer.dropped == producers * per_producer
    for n in range(producers):  # each producer's lines stay in its order
        mine = [int(t.split(":")[1]) for t in texts if t.startswith(f"{n}:")]
        assert mine == sorted(mine)


def test_filter_parsing() -> None:
    f = LogFilter.parse("  Level:WARNING hook:a hook:B#r2 Timeout ")
    assert f.raw == "Level:WARNING hook:a hook:B#r2 Timeout"
    assert f.min_level == 2 and f.hooks == ("a", "b#r2") and f.words == ("timeout",)
    assert not LogFilter.parse("   ")
    with pytest.raises(ValueError, match="hook: needs a name"):
        LogFilter.parse("hook:")


async def test_pause_keeps_the_view_still_and_counts_new_lines() -> None:
    buffer = LogBuffer()
    app = Host(buffer)
    async with app.run_test(size=(120, 40)) as pilot:
        stream = app.query_one(LogStream)
        view = app.query_one(LogView)
        fill(buffer, 200)
        stream.flush_now()
        await pilot.pause()
        assert view.is_vertical_scroll_end and stream.following

        await pilot.press("s")
        assert not stream.following
        await pilot.press("pageup")
        y = view.scroll_y
        before = stream.visible_lines()
        fill(buffer, 30, start=200)
        stream.flush_now()
        await pilot.pause()
        assert view.scroll_y == y
        assert stream.visible_lines() == before
        assert "paused · +30 new" in status(app)

        await pilot.press("s")
        await pilot.pause()
        assert stream.following and "following" in status(app)
        assert stream.visible_lines()[-1].endswith("line 229")
        assert view.is_vertical_scroll_end


async def test_scrolling_up_pauses_and_end_follows_again() -> None:
    buffer = LogBuffer()
    app = Host(buffer)
    async with app.run_test(size=(120, 40)) as pilot:
        stream = app.query_one(LogStream)
        view = app.query_one(LogView)
        fill(buffer, 200)
        stream.flush_now()
        await pilot.pause()
        await pilot.press("up")
        assert not stream.following
        fill(buffer, 5, start=200)
        stream.flush_now()
        assert "+5 new" in status(app)
        await pilot.press("end")
        await pilot.pause()
        assert stream.following and view.is_vertical_scroll_end
        assert stream.visible_lines()[-1].endswith("line 204")


async def test_clear_empties_view_and_history() -> None:
    buffer = LogBuffer()
    app = Host(buffer)
    async with app.run_test(size=(120, 40)) as pilot:
        stream = app.query_one(LogStream)
        mixed(buffer)
        stream.flush_now()
        await pilot.press("c")
        assert stream.visible_lines() == [] and stream.line_count == 0
        # The history went too: a re-render (here, the timestamps toggle) brings nothing back.
        await pilot.press("t")
        assert stream.visible_lines() == []
        fill(buffer, 1)
        stream.flush_now()
        assert stream.visible_lines() == ["INFO  chatty#r1        line 0"]


async def test_ctrl_s_saves_the_filtered_lines(tmp_path: Path) -> None:
    buffer = LogBuffer()
    app = Host(buffer, save_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        stream = app.query_one(LogStream)
        mixed(buffer)
        stream.flush_now()
        await pilot.press("slash", *"hook:token-claims", "enter")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        saved = list(tmp_path.glob("hooktui-log-*.log"))
        assert len(saved) == 1
        assert saved[0].name[len("hooktui-log-"):-len(".log")].replace("-", "").isdigit()
        stamp = clock(AT)
        assert saved[0].read_text() == (
            f"{stamp} INFO  token-claims#r12 issued a token\n"
            f"{stamp} ERROR token-claims#r12 boom\n"
            f"{stamp} WARN  reload           token-claims reloaded\n"
        )
        assert any(str(saved[0]) in n.message for n in app._notifications)
        # A second save in the same second keeps both files.
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        assert len(list(tmp_path.glob("hooktui-log-*.log"))) == 2


async def test_a_save_that_fails_says_where_and_why(tmp_path: Path) -> None:
    buffer = LogBuffer()
    app = Host(buffer, save_dir=tmp_path / "missing")
    async with app.run_test(size=(120, 40)) as pilot:
        mixed(buffer)
        app.query_one(LogStream).flush_now()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors and str(tmp_path / "missing") in errors[0]


async def test_t_toggles_timestamps() -> None:
    buffer = LogBuffer()
    app = Host(buffer)
    async with app.run_test(size=(120, 40)) as pilot:
        stream = app.query_one(LogStream)
        mixed(buffer)
        stream.flush_now()
        await pilot.press("t")
        assert stream.visible_lines()[1] == "ERROR token-claims#r12 boom"
        buffer.add("info", "reload", "later", at=AT)
        stream.flush_now()
        assert stream.visible_lines()[-1] == "INFO  reload           later"
        await pilot.press("t")
        assert all(line.startswith(clock(AT)) for line in stream.visible_lines())


async def test_w_wraps_long_lines_to_the_width() -> None:
    buffer = LogBuffer()
    app = Host(buffer)
    async with app.run_test(size=(80, 24)) as pilot:
        stream = app.query_one(LogStream)
        view = app.query_one(LogView)
        buffer.add("error", "token-claims", "x" * 200, hook="token-claims", run_id="r1", at=AT)
        stream.flush_now()
        assert stream.line_count == 1
        await pilot.press("w")
        await pilot.pause()
        width = view.scrollable_content_region.width
        rows = stream.visible_lines()
        assert len(rows) > 2 and all(len(row) <= width for row in rows)
        assert "".join(row.strip() for row in rows).endswith("x" * 200)
        assert rows[1].startswith(" ")  # continuation rows are indented to the text column
        assert "wrap" in status(app)
        await pilot.press("w")
        await pilot.pause()
        assert stream.line_count == 1


def test_hard_wrap_handles_wide_characters() -> None:
    rows = hard_wrap("INFO  a                " + "界" * 30, 40)
    assert all(sum(2 if ch == "界" else 1 for ch in row) <= 40 for row in rows)
    assert "".join(row.strip() for row in rows).endswith("界" * 30)


async def test_the_line_limit_bounds_view_and_history() -> None:
    buffer = LogBuffer()
    app = Host(buffer, max_lines=50)
    async with app.run_test(size=(120, 40)) as pilot:
        stream = app.query_one(LogStream)
        for chunk in range(3):
            fill(buffer, 50, start=chunk * 50)
            stream.flush_now()
        await pilot.pause()
        assert stream.line_count <= 50
        assert stream.visible_lines()[-1].endswith("line 149")
        # The history is bounded too: a re-render shows the last 50 only.
        await pilot.press("t")
        assert stream.line_count == 50 and stream.visible_lines()[0].endswith("line 100")


async def test_a_flood_never_eats_a_key() -> None:
    buffer = LogBuffer()
    app = Host(buffer, max_lines=10_000)
    async with app.run_test(size=(120, 40)) as pilot:
        stream = app.query_one(LogStream)
        fill(buffer, 50_000)
        await pilot.press("s")  # the timer is flushing the flood meanwhile
        assert not stream.following
        await pilot.press("slash", *"line 49999", "enter")
        assert stream.filter_text == "line 49999"
        await pilot.press("s")
        while len(buffer):
            stream.flush_now()
        lines = stream.visible_lines()
        assert lines[-1].endswith("line 49999")
        # What the view could never keep is skipped, said in the log (through any filter) and counted.
        assert any("40,001 lines skipped" in line for line in lines)
        assert "40,001 dropped" in status(app)
        await pilot.press("escape")
        assert stream.line_count <= 10_000
        assert stream.visible_lines()[-1].endswith("line 49999")


async def test_a_burst_the_view_can_keep_is_written_over_a_few_ticks() -> None:
    buffer = LogBuffer()
    app = Host(buffer, max_lines=10_000, flush_limit=1_000)
    async with app.run_test(size=(120, 40)):
        stream = app.query_one(LogStream)
        fill(buffer, 1_500)
        stream.flush_now()
        assert stream.line_count == 1_000 and len(buffer) == 500
        stream.flush_now()
        assert stream.line_count == 1_500 and stream.visible_lines()[-1].endswith("line 1499")
        assert not any("skipped" in line for line in stream.visible_lines())
