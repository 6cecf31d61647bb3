"""Guards the tree-sitter pin: with tree-sitter 0.26.1 a javascript or json TextArea kills the
interpreter (SIGSEGV), so these run in a child process where a crash shows as a failure."""

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from textual.app import App
    from textual.widgets import TextArea

    LANGUAGE = sys.argv[1]
    TEXT = {
        "javascript": "module.exports = function (user, context, cb) {\\n  cb(null, { user });\\n};\\n",
        "json": '{\\n  "name": "x",\\n  "enabled": true\\n}\\n',
    }[LANGUAGE]

    class EditorApp(App):
        def compose(self):
            yield TextArea.code_editor(TEXT, language=LANGUAGE, id="editor")

    async def main():
        app = EditorApp()
        async with app.run_test(size=(80, 24)) as pilot:
            editor = app.query_one("#editor", TextArea)
            assert editor.is_syntax_aware, "no tree-sitter highlighting for " + LANGUAGE
            editor.focus()
            await pilot.press("end", "x", "y")
            await pilot.pause()
            print("LINE0=" + editor.document.get_line(0))

    asyncio.run(main())
    """
)


@pytest.mark.parametrize("language", ["javascript", "json"])
def test_code_editor_opens_with_highlighting_without_crashing(language):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, language], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    assert "LINE0=" in proc.stdout and proc.stdout.strip().endswith("xy")


def test_tree_sitter_is_the_pinned_version():
    from importlib.metadata import version

    assert version("tree-sitter") == "0.25.2"
