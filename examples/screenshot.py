"""Regenerates examples/console.svg, the README's picture of the console: the example workspace
with token-claims open and run, at 140x42, through Textual's own screenshot support.

    python examples/screenshot.py
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from hooktui.core.settings import UserSettings  # noqa: E402
from hooktui.tui.app import HooktuiApp  # noqa: E402


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HOOKTUI_CONFIG_DIR"] = str(Path(tmp) / "config")
        root = Path(tmp) / "workspace"
        shutil.copytree(HERE / "workspace", root)
        app = HooktuiApp(root, settings=UserSettings(), watch=False)
        async with app.run_test(size=(140, 42)) as pilot:
            while not app._executor_ready:
                await asyncio.sleep(0.02)
            app.sub_title = "examples/workspace"
            app.hook_list.select("token-claims")
            app.hook_list.focus()
            await pilot.press("enter")
            await pilot.pause(0.3)
            await pilot.press("f5")
            await pilot.pause(0.8)
            app.save_screenshot(str(HERE / "console.svg"))
    print(f"wrote {HERE / 'console.svg'}")


if __name__ == "__main__":
    asyncio.run(main())
