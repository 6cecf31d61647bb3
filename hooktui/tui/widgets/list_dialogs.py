"""The dialogs the list opens: a new hook (its name and trigger), a rename, a delete's confirmation.
A mixin of HookList (kept apart so the pane's module holds the rows and keys): each answer becomes
the Message the App acts on."""

from __future__ import annotations

from hooktui.core.triggers import Trigger
from hooktui.core.workspace import NAME_PATTERN, deployed_name
from hooktui.tui.dialogs import ConfirmDialog, NewHookDialog, TextPromptDialog
from hooktui.tui.messages import HookCreateRequested, HookDeleteRequested, HookRenameRequested


class ListDialogs:
    """HookList's dialogs. It uses the pane's `_hooks`, `selected`, `highlighted_trigger` and
    `_only_on_the_tenant()`, and Textual's `app`, `post_message`."""

    def name_problem(self, name: str, current: str | None = None) -> str | None:
        """Why `name` cannot be a hook's name here (None if it can). `current` is the hook being
        renamed, which may keep its own name."""
        if not name:
            return "type a name"
        deployed = deployed_name(name)
        if not NAME_PATTERN.fullmatch(deployed):
            what = f"“{name}”" if deployed == name else f"“{name}” deploys as “{deployed}”, which"
            return (
                f"{what} is not a valid Auth0 hook name: use letters, digits, spaces and '-', "
                f"starting and ending with a letter or digit"
            )
        if deployed in self._hooks and deployed != current:
            return f"a hook named “{deployed}” already exists"
        return None

    def action_new_hook(self) -> None:
        def created(answer: tuple[str, str] | None) -> None:
            if answer is not None:
                self.post_message(HookCreateRequested(*answer))

        self.app.push_screen(
            NewHookDialog(
                [trigger.value for trigger in Trigger],
                self.name_problem,
                initial_trigger=self.highlighted_trigger,
            ),
            created,
        )

    def action_rename(self) -> None:
        old = self.selected
        if old is None or self._only_on_the_tenant(old):
            return

        def renamed(new: str | None) -> None:
            if new is not None and new != old:
                self.post_message(HookRenameRequested(old, new))

        self.app.push_screen(
            TextPromptDialog(
                f"Rename {old}",
                "New name (its files are renamed too)",
                initial=old,
                validator=lambda value: self.name_problem(value, current=old),
            ),
            renamed,
        )

    def action_delete(self) -> None:
        name = self.selected
        if name is None or self._only_on_the_tenant(name):
            return
        files = self._hooks[name].delete_files
        listing = "\n".join(f"  {path}" for path in files)
        message = (
            f"Delete the hook “{name}”? Both of its files go:\n\n{listing}\n\n"
            f"hooktui cannot bring them back (git can, if they are committed)."
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.post_message(HookDeleteRequested(name))

        self.app.push_screen(
            ConfirmDialog("Delete hook", message, confirm_label="Delete", cancel_label="Keep",
                          danger=True),
            confirmed,
        )
