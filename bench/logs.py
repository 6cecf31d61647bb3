"""Log pane benchmark: a hook logging 100,000 lines through the real Executor into a LogStream in
a headless app, while a key is pressed every 20 ms. Prints the lines/s the pane absorbs, the key
latency (p50/p99) and the memory; never fails on a slow machine.

    python bench/logs.py [--lines 100000] [--max-lines 10000] [--key-interval 20] [--repeat 3] [--synthetic]

--synthetic feeds the buffer directly (1,000 lines per event-loop turn) instead of running Node.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual import events  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.binding import Binding  # noqa: E402
from textual.widgets import Static  # noqa: E402

from hooktui.core.logbuffer import LogBuffer  # noqa: E402
from hooktui.core.workspace import Workspace  # noqa: E402
from hooktui.runtime.executor import Executor, find_node  # noqa: E402
from hooktui.tui.widgets.log_stream import LogStream, LogView  # noqa: E402

HOOK = """module.exports = function (client, scope, audience, context, cb) {
  var n = Number(client.metadata.lines);
  for (var i = 0; i < n; i++) {
    if (i % 97 === 0) console.warn('warn ' + i + ' something looks off with request ' + (i * 7919 % 100000));
    else console.log('line ' + i + ' processing request ' + (i * 7919 % 100000) + ' for client ' + client.id);
  }
  cb(null, { scope: scope });
};
"""


def payload(lines: int) -> dict:
    return {
        "audience": "https://my-tenant.auth0.com/api/v2/",
        "client": {"id": "x" * 32, "name": "client-name", "tenant": "my-tenant", "metadata": {"lines": str(lines)}},
        "scope": ["read:connections"],
    }


def make_workspace(root: Path) -> Workspace:
    (root / "hooks").mkdir(parents=True)
    (root / "hooks" / "flood.js").write_text(HOOK)
    meta = {"name": "flood", "triggerId": "credentials-exchange", "enabled": True, "script": "./flood.js",
            "dependencies": {}, "secrets": {}}
    (root / "hooks" / "flood.json").write_text(json.dumps(meta, indent=2))
    return Workspace.open(root)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pane_bytes(stream: LogStream, view: LogView) -> int:
    """What the pane holds: its history of entries and the Log's rows (strings; shared field
    values such as the source are counted once per entry, an overestimate)."""
    entries = sum(sys.getsizeof(e) + sys.getsizeof(e.text) + sys.getsizeof(e.source) for e in stream._history)
    rows = sum(sys.getsizeof(line) for line in view.lines)
    return entries + rows + sys.getsizeof(stream._history) + sys.getsizeof(view.lines)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


class Probe:
    """Wraps the LogView's write_lines: when each batch reached the Log, and how big it was."""

    def __init__(self, view: LogView) -> None:
        self.first = self.last = 0.0
        self.rows = 0
        self.batches: list[int] = []
        self.batch_ms: list[float] = []
        original = view.write_lines

        def write_lines(lines, scroll_end=None):
            lines = list(lines)
            started = time.perf_counter()
            result = original(lines, scroll_end)
            now = time.perf_counter()
            self.batch_ms.append((now - started) * 1000)
            if not self.first:
                self.first = started
            self.last = now
            self.rows += len(lines)
            self.batches.append(len(lines))
            return result

        view.write_lines = write_lines


class BenchApp(App):
    """The pane, plus a key whose effect is cheap and visible: a counter in a Static."""

    BINDINGS = [Binding("x", "tick", "Tick", id="bench.tick")]

    def __init__(self, buffer: LogBuffer, max_lines: int) -> None:
        super().__init__()
        self.buffer = buffer
        self.max_lines = max_lines
        self.pressed: dict[int, float] = {}  # key number -> when it was sent
        self.handled: dict[int, float] = {}  # key number -> when its action ran
        self.painted: dict[int, float] = {}  # key number -> after the next refresh
        self.ticks = 0

    def compose(self) -> ComposeResult:
        yield Static("0", id="ticks")
        yield LogStream(self.buffer, max_lines=self.max_lines)

    def on_mount(self) -> None:
        self.query_one(LogView).focus()

    def action_tick(self) -> None:
        n = self.ticks
        self.ticks += 1
        self.handled[n] = time.perf_counter()
        self.query_one("#ticks", Static).update(str(self.ticks), layout=False)
        self.call_after_refresh(lambda: self.painted.setdefault(n, time.perf_counter()))


async def press_keys(app: BenchApp, stop: asyncio.Event, interval: float) -> None:
    """As a terminal would: a Key event through the driver every `interval`, not waiting for
    the app (Pilot.press waits for idle, which would hide the latency)."""
    n = 0
    while not stop.is_set():
        app.pressed[n] = time.perf_counter()
        event = events.Key("x", "x")
        event.set_sender(app)
        app._driver.send_message(event)
        n += 1
        await asyncio.sleep(interval)


async def produce_with_executor(buffer: LogBuffer, lines: int) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        ws = make_workspace(Path(tmp))
        async with Executor(ws, log_limit=lines * 2) as ex:
            ex.subscribe(buffer.add_event)
            await ex.run("flood", payload(10))  # warm: compile and load the hook
            buffer.drain()
            started = time.perf_counter()
            result = await ex.run("flood", payload(lines), timeout=120)
            assert result.ok, result.error_message
            return started, f"real executor (Node {find_node()})"


async def produce_synthetic(buffer: LogBuffer, lines: int) -> tuple[float, str]:
    started = time.perf_counter()
    for start in range(0, lines, 1000):
        for i in range(start, min(lines, start + 1000)):
            buffer.add("info", "flood", f"line {i} processing request {i * 7919 % 100000} for client xxxx",
                       hook="flood", run_id="r2")
        await asyncio.sleep(0)
    return started, "synthetic producer, 1,000 lines per event-loop turn"


async def one_run(lines: int, max_lines: int, interval: float, synthetic: bool) -> dict:
    buffer = LogBuffer()  # the App's bound (100,000)
    app = BenchApp(buffer, max_lines)
    async with app.run_test(size=(160, 50)) as pilot:
        stream = app.query_one(LogStream)
        view = app.query_one(LogView)
        await pilot.pause()
        gc.collect()
        rss_before = rss_mb()
        probe = Probe(view)
        stop = asyncio.Event()
        presser = asyncio.create_task(press_keys(app, stop, interval))
        producer = produce_synthetic if synthetic else produce_with_executor
        started, how = await producer(buffer, lines)
        produced = time.perf_counter()
        # Until the last line is on screen; then a little longer, so late keys land too.
        while len(buffer) or not view.lines or f"line {lines - 1} " not in view.lines[-1]:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)
        stop.set()
        await presser
        await pilot.pause(0.2)
        gc.collect()
        rss_after = rss_mb()
        run = {
            "how": how,
            "produce_s": produced - started,
            "span_s": probe.last - probe.first,
            "end_to_end_s": probe.last - started,
            "written": probe.rows,
            "skipped": stream._skipped,
            "writes": len(probe.batches),
            "write_ms": probe.batch_ms,
            "batch": probe.batches,
            "rss_before": rss_before,
            "rss_after": rss_after,
            "history": len(stream._history),
            "held_mb": pane_bytes(stream, view) / 1024 / 1024,
            "rows": stream.line_count,
            "last_line": view.lines[-1],
            "status": str(app.query_one("#log-status").render()),
            # Keys pressed while lines were flowing, and all of them.
            "flood_keys": [(app.handled[n] - app.pressed[n]) * 1000 for n in app.handled
                           if started <= app.pressed[n] <= probe.last],
            "keys": [(app.handled[n] - app.pressed[n]) * 1000 for n in app.handled],
            "frames": [(app.painted[n] - app.pressed[n]) * 1000 for n in app.painted],
            "lost": len(app.pressed) - len(app.handled),
        }
    return run


def stats(values: list[float]) -> str:
    return (f"p50 {statistics.median(values):.1f} ms, p99 {percentile(values, 0.99):.1f} ms, "
            f"max {max(values):.1f} ms over {len(values)} keys")


async def bench(lines: int, max_lines: int, interval: float, synthetic: bool, repeat: int) -> None:
    runs = [await one_run(lines, max_lines, interval, synthetic) for _ in range(repeat)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"log pane benchmark: {lines:,} lines x {repeat} runs, {runs[0]['how']}, max_lines={max_lines:,}, "
          f"a key every {interval * 1000:.0f} ms, headless 160x50")
    for i, run in enumerate(runs, 1):
        absorbed = run["written"] + run["skipped"]  # every line is either in the Log or counted as skipped
        print(f"  run {i}: producer {lines / run['produce_s']:,.0f} lines/s; pane {absorbed / run['span_s']:,.0f} lines/s "
              f"from first to last write ({run['span_s']:.2f} s, {run['written']:,} written in {run['writes']} "
              f"write_lines calls, {run['skipped']:,} skipped); last line on screen {run['end_to_end_s']:.2f} s "
              f"after the run started; write_lines p50 {statistics.median(run['write_ms']):.1f} ms "
              f"max {max(run['write_ms']):.1f} ms, batch p50 {statistics.median(run['batch']):,.0f} lines; "
              f"keys during the flood: {stats(run['flood_keys'])}")
    rate = statistics.median((r["written"] + r["skipped"]) / r["span_s"] for r in runs)
    flood_keys = [k for r in runs for k in r["flood_keys"]]
    keys = [k for r in runs for k in r["keys"]]
    frames = [k for r in runs for k in r["frames"]]
    print(f"  lines/s absorbed (median of runs): {rate:,.0f}   target >= 50,000")
    print(f"  key latency while the flood runs, press -> action: {stats(flood_keys)}   target p99 <= 50 ms")
    print(f"  key latency, all keys, press -> action: {stats(keys)}; press -> next frame: p50 "
          f"{statistics.median(frames):.1f} ms, p99 {percentile(frames, 0.99):.1f} ms; "
          f"{sum(r['lost'] for r in runs)} keys not handled")
    last = runs[-1]
    print(f"  memory: RSS {runs[0]['rss_before']:.1f} MB before the first run, "
          + ", ".join(f"{r['rss_after']:.1f}" for r in runs)
          + f" MB after each run; peak {peak:.1f} MB. The pane holds {last['history']:,} entries and "
          f"{last['rows']:,} rows in the Log (bound {max_lines:,}): "
          + ", ".join(f"{r['held_mb']:.1f}" for r in runs) + " MB after each run")
    print(f"  last line: {last['last_line'][:110]}")
    print(f"  status line: {last['status']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--max-lines", type=int, default=10_000)
    parser.add_argument("--key-interval", type=float, default=20, help="milliseconds between key presses")
    parser.add_argument("--synthetic", action="store_true", help="feed the buffer directly, without Node")
    parser.add_argument("--repeat", type=int, default=3, help="runs, each in a fresh app")
    args = parser.parse_args()
    asyncio.run(bench(args.lines, args.max_lines, args.key_interval / 1000, args.synthetic, args.repeat))


if __name__ == "__main__":
    main()
