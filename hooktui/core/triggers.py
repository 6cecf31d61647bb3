"""The five Auth0 Hooks extensibility points and what each one expects of a hook."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Trigger(StrEnum):
    CREDENTIALS_EXCHANGE = "credentials-exchange"
    PRE_USER_REGISTRATION = "pre-user-registration"
    POST_USER_REGISTRATION = "post-user-registration"
    POST_CHANGE_PASSWORD = "post-change-password"
    SEND_PHONE_MESSAGE = "send-phone-message"


@dataclass(frozen=True)
class TriggerInfo:
    trigger: Trigger
    params: tuple[str, ...]  # the hook function's parameters, callback last
    blocking: bool  # does Auth0 wait for the result?
    summary: str
    error_classes: tuple[str, ...]  # globals Auth0 injects before the script

    @property
    def signature(self) -> str:
        return f"function ({', '.join(self.params)})"


TRIGGERS: dict[Trigger, TriggerInfo] = {
    info.trigger: info
    for info in (
        TriggerInfo(
            Trigger.CREDENTIALS_EXCHANGE,
            ("client", "scope", "audience", "context", "cb"),
            True,
            "change scopes and add namespaced claims to client-credentials access tokens",
            ("InvalidRequestError", "InvalidScopeError", "ServerError"),
        ),
        TriggerInfo(
            Trigger.PRE_USER_REGISTRATION,
            ("user", "context", "cb"),
            True,
            "deny a signup or set user_metadata / app_metadata before the user is created",
            ("PreUserRegistrationError",),
        ),
        TriggerInfo(
            Trigger.POST_USER_REGISTRATION,
            ("user", "context", "cb"),
            False,
            "react to a new user (notifications, provisioning); the result is ignored",
            ("PreUserRegistrationError",),
        ),
        TriggerInfo(
            Trigger.POST_CHANGE_PASSWORD,
            ("user", "context", "cb"),
            False,
            "react to a password change; the result is ignored",
            ("PreUserRegistrationError",),
        ),
        TriggerInfo(
            Trigger.SEND_PHONE_MESSAGE,
            ("recipient", "text", "context", "cb"),
            True,
            "send MFA SMS or voice messages through your own provider",
            ("SendPhoneMessageError",),
        ),
    )
}


def parse_trigger(value: str) -> Trigger:
    """The Trigger named by `value`, or ValueError listing the valid ids."""
    try:
        return Trigger(value)
    except ValueError:
        valid = ", ".join(t.value for t in Trigger)
        raise ValueError(f"unknown trigger {value!r}: expected one of {valid}") from None
