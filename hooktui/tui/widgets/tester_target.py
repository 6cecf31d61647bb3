"""What the payload tester holds: a hook, an action or a trigger's flow. Each kind says how it is
named on the pane, which Message runs it or saves its payload, and where a saved payload goes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from hooktui.core.payloads import SamplePayload
from hooktui.tui.messages import (
    ActionRunRequested,
    EventSaveRequested,
    PayloadSaveRequested,
    RunRequested,
)

KINDS = ("hook", "action", "flow")


@dataclass(frozen=True)
class Target:
    kind: str  # hook | action | flow
    name: str  # the hook, the action, or the trigger of a flow
    trigger: str
    actions: tuple[str, ...] = ()  # a flow: its bound actions in binding order

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"a tester holds a {', '.join(KINDS)}, not {self.kind!r}")

    @property
    def key(self) -> tuple[str, str]:
        """What the pane keeps edits, results and runs under: a hook and an action may share a name."""
        return self.kind, self.name

    @property
    def noun(self) -> str:
        """What the editor holds: a hook's payload or an action's (or flow's) event."""
        return "payload" if self.kind == "hook" else "event"

    @property
    def title(self) -> str:
        return self.noun.capitalize()

    @property
    def label(self) -> str:
        """The item on the pane's border: "token-claims", "add-claims (post-login)",
        "post-login flow: add-claims → deny-blocked"."""
        if self.kind == "hook":
            return self.name
        if self.kind == "action":
            return f"{self.name} ({self.trigger})"
        return f"{self.trigger} flow: {' → '.join(self.actions) if self.actions else 'no action bound'}"

    @property
    def running(self) -> str:
        return {"hook": self.name, "action": f"action {self.name}", "flow": f"the {self.trigger} flow"}[self.kind]

    def unrunnable(self) -> str | None:
        """Why Run cannot ask for this target, or None when it can."""
        if self.kind == "flow" and not self.actions:
            return (f"no action is bound to {self.trigger}: bind one in the list (space on an action row "
                    f"of {self.trigger}), then run the flow")
        return None

    def run_message(self, payload: Any, payload_name: str) -> Message:
        if self.kind == "hook":
            return RunRequested(self.name, payload, payload_name)
        return ActionRunRequested(self.kind, self.name, self.trigger, payload, payload_name)

    def save_message(self, name: str, payload: Any, overwrite: bool = False) -> Message:
        if self.kind == "hook":
            return PayloadSaveRequested(self.name, name, payload, overwrite=overwrite)
        return EventSaveRequested(self.kind, self.name, self.trigger, name, payload, overwrite=overwrite)

    @property
    def save_folder(self) -> str:
        """Where a saved payload goes (the folders hooktui.core.payloads reads for each kind)."""
        return f"payloads/actions/{self.trigger}" if self.kind == "flow" else f"payloads/{self.name}"

    def saved_here(self, payload: SamplePayload, name: str | None = None) -> bool:
        """Whether `payload` is one this target saves (named `name`, when given)."""
        if payload.origin != "workspace" or (name is not None and payload.path.stem != name):
            return False
        folder = payload.path.parent
        in_actions = folder.parent.name == "actions"
        if self.kind == "flow":
            return in_actions and folder.name == self.trigger
        return folder.name == self.name and not (self.kind == "action" and in_actions)
