"""The console's themes: the built-in and the user's theme files registered before the stylesheet is
first parsed, the editor's and the log's colours following the chosen theme, and the choice kept in
the user's settings. A mixin of the App (it reads the App's settings, env and panes)."""

from __future__ import annotations

from typing import Any

from hooktui.core.config import user_config_dir


class Theming:
    """The App's theme handling: `_load_themes` before the first parse, `_themes_ready` once mounted."""


    def _load_themes(self) -> None:
        """Register the themes and choose one before the stylesheet is first parsed: setting
        App.theme later reparses every rule (a frame's worth of start-up on two cores)."""
        from textual.app import App

        from hooktui.tui.themes import load_themes, register

        themes, self._theme_errors = load_themes(user_config_dir(self.env) / "themes")
        self._themes = themes
        register(self, themes)
        chosen = next((name for name in (self.settings.theme, "hooktui-dark") if name in self.available_themes), None)
        if chosen is not None and chosen != self.theme:
            # What App._watch_theme does, less the reparse (nothing is parsed yet).
            self.set_reactive(App.theme, chosen)
            dark = self.current_theme.dark
            self.update_classes({**{name: False for name in self.classes if name.startswith("-theme-")},
                                 f"-theme-{chosen}": True, "-dark-mode": dark, "-light-mode": not dark},
                                update=False)
            self._refresh_truecolor_filter(self.ansi_theme)

    def _themes_ready(self) -> None:
        if self._theme_errors:
            # One notification for every bad theme file, each named with its problem.
            self.notify("\n".join(str(e) for e in self._theme_errors), title="themes", severity="warning",
                        timeout=12)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._apply_editor_theme()

    def _theme_changed(self, theme: Any) -> None:
        self._apply_editor_theme()
        if self.settings.theme != theme.name:
            self.settings.theme = theme.name
            self._save_settings()

    def _apply_editor_theme(self) -> None:
        from textual.widgets import TextArea

        from hooktui.tui.themes import apply_editor_theme

        chosen = self._themes.get(self.theme)
        if chosen is None:
            return
        for area in self._main.query(TextArea):
            apply_editor_theme(area, chosen)
        log = self.log_pane
        log.set_level_colors(chosen.log_colors)

    def _save_settings(self) -> None:
        try:
            self.settings.save(env=self.env)
        except OSError as e:
            self.notify(f"cannot save settings: {e}", severity="warning")
