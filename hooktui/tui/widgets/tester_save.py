"""The payload tester's save key: name the payload in a dialog, confirm before a file is
replaced, and ask the App to write it. Mixed into PayloadTester, whose state it reads."""

from __future__ import annotations

from hooktui.core.payloads import SamplePayload
from hooktui.tui.dialogs import ConfirmDialog, TextPromptDialog
from hooktui.tui.messages import PayloadSaveRequested
from hooktui.tui.widgets.tester_payloads import check_payload_name


class PayloadSaving:
    """The save part of PayloadTester; the pane supplies the attributes below."""

    _hook: str | None
    _key: str | None
    _by_key: dict[str, SamplePayload]
    _payloads: list[SamplePayload]
    _saved_name: tuple[str, str] | None

    def action_save_payload(self) -> None:
        if self._hook is None:
            self.notify("Open a hook first (hook list, enter).", severity="warning")
            return
        parsed = self.current_payload()
        if parsed is None:
            return
        _, payload = parsed
        hook = self._hook
        current = self._by_key.get(self._key) if self._key else None
        initial = current.path.stem if current is not None and current.origin == "workspace" else ""

        def chosen(answer: str | None) -> None:
            if answer is None:
                return
            name = answer.removesuffix(".json")
            self._saved_name = (hook, name)
            existing = [
                p for p in self._payloads
                if p.origin == "workspace" and p.path.parent.name == hook and p.path.stem == name
            ]
            if not existing:
                self.post_message(PayloadSaveRequested(hook, name, payload))
                return

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.post_message(PayloadSaveRequested(hook, name, payload, overwrite=True))

            self.app.push_screen(
                ConfirmDialog("Overwrite payload", f"payloads/{hook}/{name}.json exists. Replace it with this payload?",
                              confirm_label="Overwrite", cancel_label="Keep it"),
                confirmed,
            )

        self.app.push_screen(
            TextPromptDialog("Save payload", f"Save this payload of {hook} as payloads/{hook}/<name>.json", initial,
                             validator=check_payload_name),
            chosen,
        )
