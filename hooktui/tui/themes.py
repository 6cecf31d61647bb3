"""Themes as files: `themes/*.toml` (shipped) and `<user config>/themes/*.toml` (the user's).

A file gives a Textual `Theme`, the editor's `TextAreaTheme` and the log pane's level colours.
A bad file is reported as one `ThemeError` (which file, which line or field, what is wrong) and
never keeps the other themes from loading.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.errors import StyleSyntaxError
from rich.style import Style
from textual.color import Color, ColorParseError
from textual.css.stylesheet import Stylesheet, StylesheetParseError
from textual.theme import Theme
from textual.widgets.text_area import TextAreaTheme

from hooktui.core.config import user_config_dir
from hooktui.core.resources import data_path
from hooktui.core.settings import toml_error_location

if TYPE_CHECKING:
    from textual.app import App
    from textual.widgets import TextArea

THEMES_DIRECTORY = "themes"
LOG_LEVELS = ("debug", "info", "warn", "error")
# TextArea's theme when a hooktui theme has no [editor] table: it follows the app's colours.
CSS_EDITOR_THEME = "css"

_COLOUR_FIELDS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "success",
    "warning",
    "error",
)
_NUMBER_FIELDS = ("luminosity_spread", "text_alpha")  # both between 0 and 1
_EDITOR_STYLES = (
    "base_style",
    "gutter_style",
    "cursor_style",
    "cursor_line_style",
    "cursor_line_gutter_style",
    "bracket_matching_style",
    "selection_style",
)
_TOP_LEVEL = {"name", "dark", "variables", "editor", "log", *_COLOUR_FIELDS, *_NUMBER_FIELDS}
# A theme's name becomes the CSS class "-theme-<name>" on the App, so it must be an identifier.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_VARIABLE = re.compile(r"[A-Za-z_-][A-Za-z0-9_-]*")
_CSS_PROPERTIES = ("background", "color", "text-style")


class ThemeError(Exception):
    """One theme file that cannot be used: which file, where in it, and what is wrong."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(path, message)
        self.path = Path(path)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


@dataclass
class HooktuiTheme:
    theme: Theme
    editor: TextAreaTheme | None  # None: the editor follows the app's colours
    log_colors: dict[str, str]  # level ("debug", "info", "warn", "error") -> "#rrggbb"
    path: Path

    @property
    def name(self) -> str:
        return self.theme.name


def user_themes_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the user's own theme files go: `<user config folder>/themes`."""
    return user_config_dir(env) / THEMES_DIRECTORY


# ---------------------------------------------------------------------------- loading


def load_theme_file(path: Path) -> HooktuiTheme:
    """Read one theme file; raises ThemeError naming the file and the line or field at fault."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ThemeError(path, f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ThemeError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, column, message = toml_error_location(exc)
        raise ThemeError(path, f"invalid TOML: {message}", line, column) from exc
    return _parse(path, data)


def _parse(path: Path, data: dict[str, Any]) -> HooktuiTheme:
    def fail(message: str) -> ThemeError:
        return ThemeError(path, message)

    unknown = sorted(set(data) - _TOP_LEVEL)
    if unknown:
        raise fail(f"{unknown[0]}: unknown key; a theme has {', '.join(sorted(_TOP_LEVEL))}")

    name = data.get("name")
    if name is None:
        raise fail('name: missing; add name = "my-theme" at the top of the file')
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise fail(
            f"name: expected letters, digits, '-' or '_' starting with a letter, got {_show(name)}"
        )
    if "primary" not in data:
        raise fail('primary: missing; every theme needs a primary colour, e.g. primary = "#0178D4"')

    fields: dict[str, Any] = {"name": name}
    for key in _COLOUR_FIELDS:
        if key in data:
            fields[key] = _colour(path, key, data[key])
    for key in _NUMBER_FIELDS:
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise fail(f"{key}: expected a number between 0 and 1, got {_show(value)}")
            fields[key] = float(value)
    if "dark" in data:
        if not isinstance(data["dark"], bool):
            raise fail(f"dark: expected true or false, got {_show(data['dark'])}")
        fields["dark"] = data["dark"]
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise fail(f"variables: expected a [variables] table, got {_show(variables)}")
    for key, value in variables.items():
        if not _VARIABLE.fullmatch(key):
            raise fail(f"variables.{key}: not a CSS variable name (letters, digits, '-', '_')")
        if not isinstance(value, str):
            raise fail(f"variables.{key}: expected a string like \"#88C0D0\", got {_show(value)}")
    fields["variables"] = dict(variables)

    theme = Theme(**fields)
    try:
        generated = theme.to_color_system().generate()
    except Exception as exc:  # Textual's own check of the colour set, whatever it raises
        raise fail(f"Textual cannot build this theme: {exc}") from exc
    for key, value in variables.items():
        problem = _check_variable(key, value, _textual_variables())
        if problem:
            raise fail(f"variables.{key}: {problem}")

    editor_data = data.get("editor")
    editor = None if editor_data is None else _editor(path, name, editor_data)
    log_colors = _log_colors(path, data.get("log", {}), fields, generated)
    return HooktuiTheme(theme=theme, editor=editor, log_colors=log_colors, path=path)


@functools.lru_cache(maxsize=512)
def _css_accepts(prop: str, value: str) -> bool:
    stylesheet = Stylesheet(variables={"value": value})
    stylesheet.add_source(f"Widget {{ {prop}: $value; }}", read_from=("theme", "value"))
    try:
        stylesheet.parse()
    except StylesheetParseError:
        return False
    return True


@functools.cache
def _textual_variables() -> dict[str, str]:
    """Textual's theme variables with their default values."""
    return Theme(name="defaults", primary="#0178D4").to_color_system().generate()


def _check_variable(name: str, value: str, defaults: dict[str, str]) -> str | None:
    """Why `value` cannot stand for the CSS variable `name`, or None.

    Textual substitutes theme variables into its widgets' CSS when the theme is applied, and
    a value that does not parse there stops the app. So a value is tried where Textual's own
    default for that variable works: a colour in `color` and `background`, "auto 87%" in
    `color`, a text style in `text-style`.
    """
    if name not in defaults:
        close = difflib.get_close_matches(name, list(defaults), n=1, cutoff=0.85)
        if close:
            return f"not one of Textual's variables; did you mean {close[0]!r}?"
        if any(_css_accepts(prop, value) for prop in _CSS_PROPERTIES):
            return None  # a variable of its own, for CSS that may use it
        return f"{value!r} is neither a colour nor a text style"
    wanted = [prop for prop in _CSS_PROPERTIES if _css_accepts(prop, defaults[name])]
    if "text-style" in wanted and len(wanted) > 1:
        wanted.remove("text-style")  # "initial" parses everywhere; it is a colour here
    for prop in wanted:
        if not _css_accepts(prop, value):
            kind = "a text style like \"bold\"" if prop == "text-style" else 'a colour like "#88C0D0"'
            return f"{value!r} does not work where Textual uses it ({prop}); expected {kind}"
    return None


def _colour(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ThemeError(path, f'{key}: expected a colour string like "#0178D4", got {_show(value)}')
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeError(
            path, f'{key}: {value!r} is not a colour; use "#rrggbb", "rgb(r, g, b)" or a colour name'
        ) from None
    return value


def _style(path: Path, key: str, value: Any) -> Style:
    if not isinstance(value, str):
        raise ThemeError(
            path, f'{key}: expected a style string like "bold #f92672 on #272822", got {_show(value)}'
        )
    try:
        return Style.parse(value)
    except StyleSyntaxError as exc:
        raise ThemeError(path, f"{key}: {value!r} is not a style: {exc}") from None


def _editor(path: Path, name: str, data: Any) -> TextAreaTheme:
    if not isinstance(data, dict):
        raise ThemeError(path, f"editor: expected an [editor] table, got {_show(data)}")
    allowed = {*_EDITOR_STYLES, "syntax_styles"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ThemeError(
            path, f"editor.{unknown[0]}: unknown key; [editor] has {', '.join(sorted(allowed))}"
        )
    styles = {key: _style(path, f"editor.{key}", data[key]) for key in _EDITOR_STYLES if key in data}
    syntax = data.get("syntax_styles", {})
    if not isinstance(syntax, dict):
        raise ThemeError(path, f"editor.syntax_styles: expected a table, got {_show(syntax)}")
    syntax_styles = {}
    for highlight, value in _flatten(syntax):
        syntax_styles[highlight] = _style(path, f"editor.syntax_styles.{highlight}", value)
    return TextAreaTheme(name=name, syntax_styles=syntax_styles, **styles)


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Tree-sitter names are dotted ("json.label"); an unquoted key in TOML makes a table of it."""
    out = []
    for key, value in table.items():
        if isinstance(value, dict):
            out.extend(_flatten(value, f"{prefix}{key}."))
        else:
            out.append((f"{prefix}{key}", value))
    return out


def _log_colors(
    path: Path, data: Any, theme_data: dict[str, Any], generated: dict[str, str]
) -> dict[str, str]:
    if not isinstance(data, dict):
        raise ThemeError(path, f"log: expected a [log] table, got {_show(data)}")
    unknown = sorted(set(data) - set(LOG_LEVELS))
    if unknown:
        raise ThemeError(path, f"log.{unknown[0]}: unknown level; [log] has {', '.join(LOG_LEVELS)}")
    # Levels the file leaves out follow the theme: muted text, text, $warning, $error (as the
    # file wrote them; Textual's generated values drift by a unit in rounding).
    def themed(key: str) -> Color:
        return Color.parse(theme_data.get(key) or generated[key])

    foreground = themed("foreground")
    colours = {
        "debug": foreground.blend(themed("background"), 0.35).hex6,
        "info": foreground.hex6,
        "warn": themed("warning").hex6,
        "error": themed("error").hex6,
    }
    for level, value in data.items():
        colours[level] = Color.parse(_colour(path, f"log.{level}", value)).hex6
    return colours


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return repr(value)


def load_themes(user_dir: Path | None = None) -> tuple[dict[str, HooktuiTheme], list[ThemeError]]:
    """The shipped themes, then the user's from `user_dir` (see `user_themes_dir`; None: only
    the shipped ones). A user theme named like a shipped one replaces it. Files load in name
    order; each bad file is one ThemeError and the others still load."""
    themes: dict[str, HooktuiTheme] = {}
    errors: list[ThemeError] = []
    folders = [data_path(THEMES_DIRECTORY)]
    if user_dir is not None:
        folders.append(Path(user_dir))
    for folder in folders:
        if not folder.is_dir():
            continue
        try:
            files = sorted(p for p in folder.glob("*.toml") if not p.name.startswith("."))
        except OSError as exc:
            errors.append(ThemeError(folder, f"cannot list the themes: {exc.strerror or exc}"))
            continue
        for path in files:
            try:
                loaded = load_theme_file(path)
            except ThemeError as exc:
                errors.append(exc)
                continue
            themes[loaded.name] = loaded
    return themes, errors


# ---------------------------------------------------------------------------- applying


def register(app: App, themes: Mapping[str, HooktuiTheme]) -> None:
    """Make every theme selectable with `app.theme = name` (and in the command palette)."""
    for loaded in themes.values():
        app.register_theme(loaded.theme)


def apply_editor_theme(text_area: TextArea, theme: HooktuiTheme | None) -> None:
    """Colour a TextArea with a theme's [editor] table.

    TextArea themes are registered per widget in Textual 8 (`TextArea.register_theme`), so each
    TextArea is given the theme here. Without an [editor] table (or for a theme that is not a
    hooktui one, e.g. Textual's own), the TextArea follows the app's colours ("css").
    """
    if theme is None or theme.editor is None:
        text_area.theme = CSS_EDITOR_THEME
        return
    text_area.register_theme(theme.editor)
    text_area.theme = theme.editor.name
