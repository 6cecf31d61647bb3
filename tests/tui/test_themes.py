"""Theme files: the shipped ones load, register and read well; bad files are reported one by one."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.color import Color
from textual.widgets import TextArea

from hooktui.core.resources import data_path
from hooktui.tui.themes import (
    HooktuiTheme,
    ThemeError,
    apply_editor_theme,
    load_theme_file,
    load_themes,
    register,
    user_themes_dir,
)

SHIPPED = ("hooktui-dark", "hooktui-light", "hooktui-high-contrast")
TEXTUAL = Path(__import__("textual").__file__).parent

MINIMAL = 'name = "{name}"\nprimary = "#0178D4"\n'


class Host(App):
    def __init__(self, themes: dict[str, HooktuiTheme]) -> None:
        super().__init__()
        self.themes = themes

    def compose(self) -> ComposeResult:
        yield TextArea.code_editor("const x = 1; // hi\n", language="javascript")

    def on_mount(self) -> None:
        register(self, self.themes)
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme) -> None:
        # What the real App does: the editor follows the app theme.
        apply_editor_theme(self.query_one(TextArea), self.themes.get(theme.name))


# ---------------------------------------------------------------------------- contrast


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance."""
    c = Color.parse(colour)

    def channel(v: int) -> float:
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula():
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def style_hex(style: Style, part: str = "color") -> str:
    colour = getattr(style, part)
    assert colour is not None and colour.triplet is not None, f"{style} has no {part}"
    return colour.triplet.hex


@pytest.fixture(scope="module")
def shipped() -> dict[str, HooktuiTheme]:
    themes, errors = load_themes(None)
    assert errors == []
    return themes


def test_high_contrast_meets_wcag(shipped):
    theme = shipped["hooktui-high-contrast"].theme
    assert contrast(theme.foreground, theme.background) >= 7
    assert contrast(theme.error, theme.background) >= 4.5
    # And more: every colour used for text holds 7:1 (AAA) on its background.
    for name in ("error", "warning", "success", "accent", "primary"):
        assert contrast(getattr(theme, name), theme.background) >= 7, name


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_text_colours_read_well(shipped, name):
    loaded = shipped[name]
    theme, editor = loaded.theme, loaded.editor
    minimum = 7 if name == "hooktui-high-contrast" else 4.5
    assert contrast(theme.foreground, theme.background) >= 7
    for level, colour in loaded.log_colors.items():
        for ground in (theme.background, theme.surface):
            assert contrast(colour, ground) >= minimum, (level, colour, ground)
    for status in ("error", "warning", "success"):
        assert contrast(getattr(theme, status), theme.background) >= 4.5, status
    editor_bg = style_hex(editor.base_style, "bgcolor")
    assert contrast(style_hex(editor.base_style), editor_bg) >= 7
    for highlight, style in editor.syntax_styles.items():
        assert contrast(style_hex(style), editor_bg) >= minimum, highlight


def highlight_names(language: str) -> set[str]:
    query = (TEXTUAL / "tree-sitter" / "highlights" / f"{language}.scm").read_text()
    # @conceal and @spell are markers for other tools, not colours.
    return set(re.findall(r"@([a-z_.]+)", query)) - {"conceal", "spell"}


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_editor_themes_cover_javascript_and_json(shipped, name):
    # TextArea looks highlight names up exactly ("function.method" does not fall back to
    # "function"), so every name the two grammars use needs its own style.
    wanted = highlight_names("javascript") | highlight_names("json")
    assert wanted >= {"keyword", "string", "comment", "json.label", "function.method"}
    missing = wanted - set(shipped[name].editor.syntax_styles)
    assert not missing


# ---------------------------------------------------------------------------- loading


def test_all_shipped_themes_load(shipped):
    assert set(SHIPPED) <= set(shipped)
    for name in SHIPPED:
        loaded = shipped[name]
        assert loaded.name == loaded.theme.name == loaded.editor.name == name
        assert loaded.path == data_path("themes") / f"{name}.toml"
        assert set(loaded.log_colors) == {"debug", "info", "warn", "error"}
        assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in loaded.log_colors.values())
    assert shipped["hooktui-light"].theme.dark is False
    assert shipped["hooktui-dark"].theme.dark is True


def applied_syntax(area: TextArea, name: str) -> Style | None:
    # The TextArea keeps a copy of the theme it applied; no public accessor in Textual 8.
    return area._theme.syntax_styles.get(name)


async def test_register_and_switch_theme_with_the_editor_following(shipped):
    app = Host(shipped)
    async with app.run_test(size=(80, 24)) as pilot:
        for name in SHIPPED:
            assert name in app.available_themes
        area = app.query_one(TextArea)
        for name in ("hooktui-light", "hooktui-high-contrast", "hooktui-dark"):
            app.theme = name
            await pilot.pause()
            assert app.current_theme.name == name
            assert area.theme == name
            expected = shipped[name].editor.base_style.bgcolor.triplet.hex
            assert area.styles.background.hex.lower() == expected.lower()
            assert applied_syntax(area, "keyword") == shipped[name].editor.syntax_styles["keyword"]
        # A Textual theme with no hooktui file: the editor follows the app's colours.
        app.theme = "nord"
        await pilot.pause()
        assert area.theme == "css"


async def test_apply_editor_theme_without_editor_table(tmp_path):
    path = tmp_path / "plain.toml"
    path.write_text(MINIMAL.format(name="plain"))
    plain = load_theme_file(path)
    assert plain.editor is None
    app = Host({"plain": plain})
    async with app.run_test() as pilot:
        app.theme = "plain"
        await pilot.pause()
        assert app.query_one(TextArea).theme == "css"


def test_minimal_theme_fills_log_colours_from_the_theme(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(MINIMAL.format(name="m") + 'error = "#ff0000"\nwarning = "yellow"\n')
    loaded = load_theme_file(path)
    assert loaded.log_colors["error"] == "#FF0000"
    assert loaded.log_colors["warn"] == "#FFFF00"
    assert loaded.theme.dark is True and loaded.theme.variables == {}


def test_unquoted_dotted_highlight_names(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text(
        MINIMAL.format(name="t") + "[editor.syntax_styles]\njson.label = \"bold red\"\nkeyword = \"blue\"\n"
    )
    styles = load_theme_file(path).editor.syntax_styles
    assert styles == {"json.label": Style.parse("bold red"), "keyword": Style.parse("blue")}


def test_user_theme_overrides_and_adds(tmp_path):
    env = {"HOOKTUI_CONFIG_DIR": str(tmp_path / "config")}
    user = user_themes_dir(env)
    assert user == tmp_path / "config" / "themes"
    user.mkdir(parents=True)
    text = (data_path("themes") / "hooktui-dark.toml").read_text()
    (user / "my-dark.toml").write_text(text.replace('primary = "#0178D4"', 'primary = "#ff00ff"'))
    (user / "mine.toml").write_text(MINIMAL.format(name="mine"))
    themes, errors = load_themes(user)
    assert errors == []
    assert themes["hooktui-dark"].theme.primary == "#ff00ff"
    assert themes["hooktui-dark"].path == user / "my-dark.toml"
    assert themes["mine"].path == user / "mine.toml"
    assert set(SHIPPED) <= set(themes)


def test_missing_user_folder_is_fine(tmp_path):
    themes, errors = load_themes(tmp_path / "nope")
    assert errors == [] and set(SHIPPED) <= set(themes)


BAD_FILES = {
    "bad-toml.toml": ('name = "x"\nprimary = \n', r"bad-toml\.toml:2:11: invalid TOML"),
    "bad-colour.toml": (
        'name = "bad-colour"\nprimary = "#0178D4"\nbackground = "#12345"\n',
        r"bad-colour\.toml: background: '#12345' is not a colour",
    ),
    "no-name.toml": ('primary = "#0178D4"\n', r"no-name\.toml: name: missing"),
    "bad-name.toml": ('name = "two words"\nprimary = "#0178D4"\n', r"bad-name\.toml: name: expected letters"),
    "no-primary.toml": ('name = "np"\n', r"no-primary\.toml: primary: missing"),
    "typo.toml": ('name = "typo"\nprimray = "#0178D4"\n', r"typo\.toml: primray: unknown key"),
    "bad-style.toml": (
        'name = "bs"\nprimary = "red"\n[editor.syntax_styles]\nkeyword = "bold #zz"\n',
        r"bad-style\.toml: editor\.syntax_styles\.keyword: 'bold #zz' is not a style",
    ),
    "bad-log.toml": (
        'name = "bl"\nprimary = "red"\n[log]\nerror = 3\n',
        r"bad-log\.toml: log\.error: expected a colour string",
    ),
    "bad-level.toml": (
        'name = "bv"\nprimary = "red"\n[log]\nwarning = "red"\n',
        r"bad-level\.toml: log\.warning: unknown level; \[log\] has debug, info, warn, error",
    ),
    "bad-dark.toml": ('name = "bd"\nprimary = "red"\ndark = "yes"\n', r"bad-dark\.toml: dark: expected true or false"),
    "bad-alpha.toml": ('name = "ba"\nprimary = "red"\ntext_alpha = 2\n', r"text_alpha: expected a number between 0 and 1"),
    "not-utf8.toml": (b'name = "\xff"\n', r"not-utf8\.toml: not UTF-8 text"),
}


@pytest.mark.parametrize("filename", sorted(BAD_FILES))
def test_each_bad_file_is_one_error_and_the_others_load(tmp_path, filename):
    user = tmp_path / "themes"
    user.mkdir()
    content, pattern = BAD_FILES[filename]
    bad = user / filename
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    (user / "good.toml").write_text(MINIMAL.format(name="good"))
    themes, errors = load_themes(user)
    assert len(errors) == 1
    error = errors[0]
    assert isinstance(error, ThemeError) and error.path == bad
    assert re.search(pattern, str(error)), str(error)
    assert str(error).startswith(str(bad))
    assert "good" in themes and set(SHIPPED) <= set(themes)


def test_several_bad_files_each_reported(tmp_path):
    user = tmp_path / "themes"
    user.mkdir()
    for filename in ("bad-toml.toml", "bad-colour.toml", "no-name.toml"):
        (user / filename).write_text(BAD_FILES[filename][0])
    themes, errors = load_themes(user)
    assert sorted(e.path.name for e in errors) == ["bad-colour.toml", "bad-toml.toml", "no-name.toml"]
    assert set(SHIPPED) <= set(themes)


def test_toml_error_has_line_and_column(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('name = "t"\n\nprimary "red"\n')
    with pytest.raises(ThemeError) as info:
        load_theme_file(path)
    assert (info.value.line, info.value.column) == (3, 9)
    assert str(info.value) == f"{path}:3:9: invalid TOML: Expected '=' after a key in a key/value pair"


def test_shipped_copy_in_user_folder_round_trips(tmp_path):
    # The README's advice: copy a shipped file and rename it.
    user = tmp_path / "themes"
    user.mkdir()
    shutil.copy(data_path("themes") / "hooktui-light.toml", user / "copy.toml")
    text = (user / "copy.toml").read_text().replace('name = "hooktui-light"', 'name = "my-light"')
    (user / "copy.toml").write_text(text)
    themes, errors = load_themes(user)
    assert errors == []
    assert themes["my-light"].editor.name == "my-light"
    assert themes["my-light"].theme.dark is False


@pytest.mark.parametrize(
    "variables, message",
    [
        ('"footer-key-foreground" = "nope"', "variables.footer-key-foreground: 'nope' does not work"),
        ('"block-cursor-text-style" = "#ff0000"', 'expected a text style like "bold"'),
        ('"text-muted" = "bold"', "(color); expected a colour"),
        ('"footer-key-foregound" = "#ff0000"', "did you mean 'footer-key-foreground'?"),
        ('"my-thing" = "wat"', "'wat' is neither a colour nor a text style"),
        ('"footer-key-foreground" = 3', 'expected a string like "#88C0D0", got 3'),
    ],
)
def test_bad_css_variables_are_caught_before_they_reach_textual(tmp_path, variables, message):
    # A bad value would otherwise raise a StylesheetParseError inside Textual when the theme is
    # applied, and stop the app.
    path = tmp_path / "v.toml"
    path.write_text(MINIMAL.format(name="v") + "[variables]\n" + variables + "\n")
    with pytest.raises(ThemeError) as info:
        load_theme_file(path)
    assert message in str(info.value)


def test_good_css_variables_pass(tmp_path):
    path = tmp_path / "v.toml"
    path.write_text(
        MINIMAL.format(name="v")
        + "[variables]\n"
        + '"input-selection-background" = "#81a1c1 35%"\n'
        + '"button-focus-text-style" = "reverse"\n'
        + '"text-muted" = "auto 70%"\n'
        + '"link-background" = "initial"\n'
        + '"hooktui-own" = "#123456"\n'
    )
    assert load_theme_file(path).theme.variables["button-focus-text-style"] == "reverse"


def test_the_readme_example_is_a_valid_theme(tmp_path):
    readme = (data_path("themes") / "README.md").read_text()
    example = re.search(r"```toml\n(.*?)```", readme, re.S).group(1)
    path = tmp_path / "example.toml"
    path.write_text(example)
    loaded = load_theme_file(path)
    assert loaded.name == "my-theme"
    assert loaded.editor.syntax_styles["json.label"] == Style.parse("#9cdcfe")
    assert loaded.log_colors["error"] == "#F47189"
