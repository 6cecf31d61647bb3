"""What the list's keys do on an action's row: bind or unbind it (space), move it in its flow
(shift+up/down), create one (ctrl+n on an action or an action trigger), delete one after asking,
and say how to rename one. A mixin of HookList placed before ListDialogs, whose hook dialogs it
falls back to on a hook's row."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Input

from hooktui.core.action_edits import file_stem
from hooktui.core.action_triggers import ACTION_TRIGGERS
from hooktui.core.triggers import Trigger
from hooktui.tui.dialogs import ConfirmDialog, NewHookDialog
from hooktui.tui.messages import (
    ActionBindRequested,
    ActionCreateRequested,
    ActionDeleteRequested,
    ActionReorderRequested,
)
from hooktui.tui.widgets.action_rows import (
    TRIGGERS_JSON,
    action_folder,
    action_path,
    bind_refusal,
    binding_words,
    move_refusal,
)
from hooktui.tui.widgets.list_rows import ActionRow, HookRow

HOOK_TRIGGERS = frozenset(trigger.value for trigger in Trigger)
# What ctrl+n offers for an action: the triggers bound through triggers/triggers.json that have a
# version to write (an entity-bound one, e.g. custom-token-exchange, has no flow to join).
NEW_ACTION_TRIGGERS = tuple(
    t.id for t in ACTION_TRIGGERS.values() if t.binding_policy == "trigger-bound" and t.current
)


class NewActionDialog(NewHookDialog):
    """The new-hook dialog for an action: the action triggers, each with Auth0's summary."""

    def __init__(self, validator, initial_trigger: str | None = None) -> None:
        super().__init__(NEW_ACTION_TRIGGERS, validator, initial_trigger)
        self._dialog_title = "New action (bound last in its trigger's flow)"

    @staticmethod
    def _trigger_prompt(trigger: str, width: int) -> Content:
        found = ACTION_TRIGGERS[trigger]
        summary = found.summary if found.runnable else f"{found.summary} (not run locally)"
        return Content.assemble((trigger.ljust(width), "bold"), ("  " + summary, "$text-muted"))

    def _problem(self) -> str | None:
        name = self.query_one("#name", Input).value.strip()
        if not name:
            return "type a name for the action"
        return self.validator(name) if self.validator else None


class ActionKeys:
    """HookList's keys on action rows. It uses the pane's `highlighted_row`,
    `highlighted_trigger`, `_hooks`, `_actions`, `_flows`, and Textual's `app`, `notify`,
    `post_message`; the hook side of each key is ListDialogs'."""

    def action_bind(self) -> None:
        """Bind the highlighted action last in its trigger's flow, or unbind it there."""
        row = self.highlighted_row
        if not isinstance(row, ActionRow):
            return
        refused = bind_refusal(row, self._flows.get(row.trigger, 0))
        if refused:
            self.notify(refused, title="cannot bind", severity="warning")
            return
        self.post_message(ActionBindRequested(row.trigger, row.name, row.position is None))

    def action_move(self, offset: int) -> None:
        """Move the highlighted action `offset` places in its flow (the limits hold under a filter:
        they are the flow's, not the rows shown)."""
        row = self.highlighted_row
        if not isinstance(row, ActionRow):
            return
        refused = move_refusal(row, offset, self._flows.get(row.trigger, 0))
        if refused:
            self.notify(refused, title="cannot move", severity="warning")
            return
        self.post_message(ActionReorderRequested(row.trigger, row.name, offset))

    # ------------------------------------------------------------------ new

    def action_name_problem(self, name: str) -> str | None:
        """Why `name` cannot name a new action here (None if it can)."""
        if not name:
            return "type a name"
        if name in self._actions:
            return f"an action named “{name}” already exists"
        stem = file_stem(name)
        if clash := next((other for other in self._actions if file_stem(other) == stem), None):
            return f"its file would be actions/{stem}.json, which the action “{clash}” has"
        return None

    def _creates_action(self) -> bool:
        """ctrl+n makes an action on an action's row, on the header of a trigger hooks do not
        have or that holds only actions, and anywhere in a workspace of actions only."""
        row = self.highlighted_row
        if row is not None:
            return isinstance(row, ActionRow)
        trigger = self.highlighted_trigger
        if trigger is not None:
            return trigger not in HOOK_TRIGGERS or not any(h.trigger == trigger for h in self._hooks.values())
        return bool(self._actions) and not self._hooks

    def action_new_hook(self) -> None:
        if not self._creates_action():
            super().action_new_hook()
            return

        def created(answer: tuple[str, str] | None) -> None:
            if answer is not None:
                self.post_message(ActionCreateRequested(*answer, bind=True))

        self.app.push_screen(NewActionDialog(self.action_name_problem, self.highlighted_trigger), created)

    # ------------------------------------------------------------------ rename, delete

    def action_rename(self) -> None:
        row = self.highlighted_row
        if not isinstance(row, ActionRow):
            super().action_rename()
            return
        self.notify(
            f"The console renames hooks only. To rename {row.name}: change its \"name\" in "
            f"{action_path(row.name)}, rename that file and {action_folder(row.name)} to match, and "
            f"change its action_name in {TRIGGERS_JSON}",
            title="rename an action", severity="warning",
        )

    def action_delete(self) -> None:
        row = self.highlighted_row
        if isinstance(row, HookRow) or row is None:
            super().action_delete()
            return
        name = row.name
        if row.position is None:
            binding = f"It is not bound to {row.trigger}; any binding of it in {TRIGGERS_JSON} goes first."
        else:
            where = binding_words(row, self._flows.get(row.trigger, 0)).removeprefix("bound ")
            binding = f"It is unbound from its triggers in {TRIGGERS_JSON} first (it is {where})."
        message = (
            f"Delete the action “{name}”? Its files go:\n\n  {action_path(name)}\n  {action_folder(name)}\n\n"
            f"{binding}\nhooktui cannot bring them back (git can, if they are committed)."
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.post_message(ActionDeleteRequested(name))

        self.app.push_screen(
            ConfirmDialog("Delete action", message, confirm_label="Delete", cancel_label="Keep", danger=True),
            confirmed,
        )
