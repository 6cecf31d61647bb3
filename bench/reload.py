"""Hot reload: from writing a hook file on disk to its run-on-save result written in the log
pane of a headless console (run_test), through the real watcher and executor. p50 and p99 over
50 saves. Prints figures; never fails.

    python bench/reload.py [--saves 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hooktui.core.settings import UserSettings  # noqa: E402
from hooktui.tui.app import HooktuiApp  # noqa: E402
from hooktui.tui.widgets.log_stream import LogStream  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def measure(saves: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "workspace"
        shutil.copytree(ROOT / "examples" / "workspace", ws)
        os.environ["HOOKTUI_CONFIG_DIR"] = str(Path(tmp) / "config")
        script = ws / "hooks" / "token-claims.js"
        original = script.read_text()
        app = HooktuiApp(ws, settings=UserSettings(run_on_save=True), watch=True)
        latencies = []
        async with app.run_test(size=(160, 50)) as pilot:
            while not app._executor_ready:
                await asyncio.sleep(0.01)
            app._open("token-claims")
            await pilot.pause()
            await asyncio.sleep(0.5)  # the watcher is up
            view = app.query_one(LogStream)._view
            written: list[float] = []
            original_write = view.write_lines

            def write_lines(lines, *args, **kwargs):  # the moment a result reaches the log pane
                if any("token-claims#" in line and "success in" in line for line in lines):
                    written.append(time.perf_counter())
                return original_write(lines, *args, **kwargs)

            view.write_lines = write_lines
            for i in range(saves):
                before = len(written)
                started = time.perf_counter()
                script.write_text(original + f"\n// save {i}\n")
                while len(written) == before:
                    await asyncio.sleep(0.002)
                    if time.perf_counter() - started > 5:
                        raise RuntimeError(f"save {i}: no result in the log after 5 s")
                latencies.append((written[-1] - started) * 1000)
                await asyncio.sleep(0.15)  # a person does not save 10 times a second
            await pilot.press("ctrl+q")
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=50)
    args = parser.parse_args()
    latencies = asyncio.run(measure(args.saves))
    print(f"save -> run-on-save result in the log pane, {args.saves} saves (real watcher + executor)")
    print(f"  p50 {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, "
          f"max {max(latencies):.1f} ms (targets: p50 <= 30 ms, p99 <= 60 ms)")


if __name__ == "__main__":
    main()
