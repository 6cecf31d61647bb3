"""The payload tester's save key: name the hook's payload or the action's (or flow's) event in a
dialog, confirm before a file is replaced, and ask the App to write it. Mixed into PayloadTester,
whose state it reads."""

from __future__ import annotations

from typing import Any

from hooktui.core.payloads import SamplePayload
from hooktui.tui.dialogs import ConfirmDialog, TextPromptDialog
from hooktui.tui.widgets.tester_payloads import check_payload_name
from hooktui.tui.widgets.tester_target import Target


class PayloadSaving:
    """The save part of PayloadTester; the pane supplies the attributes below."""

    _target: Target | None
    _key: str | None
    _by_key: dict[str, SamplePayload]
    _payloads: list[SamplePayload]
    _saved_name: tuple[tuple[str, str], str] | None

    def action_save_payload(self) -> None:
        target = self._target
        if target is None:
            self.notify("Open a hook or an action first (list, enter).", severity="warning")
            return
        parsed = self.current_payload()
        if parsed is None:
            return
        payload: Any = parsed[1]
        noun, folder = target.noun, target.save_folder
        current = self._by_key.get(self._key) if self._key else None
        initial = current.path.stem if current is not None and target.saved_here(current) else ""

        def chosen(answer: str | None) -> None:
            if answer is None:
                return
            name = answer.removesuffix(".json")
            self._saved_name = (target.key, name)
            if not any(target.saved_here(p, name) for p in self._payloads):
                self.post_message(target.save_message(name, payload))
                return

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.post_message(target.save_message(name, payload, overwrite=True))

            self.app.push_screen(
                ConfirmDialog(f"Overwrite {noun}", f"{folder}/{name}.json exists. Replace it with this {noun}?",
                              confirm_label="Overwrite", cancel_label="Keep it"),
                confirmed,
            )

        of = target.name if target.kind != "flow" else f"the {target.trigger} flow"
        self.app.push_screen(
            TextPromptDialog(f"Save {noun}", f"Save this {noun} of {of} as {folder}/<name>.json", initial,
                             validator=check_payload_name),
            chosen,
        )
