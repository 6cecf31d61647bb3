"""What a failed call to the tenant looks like to the caller (RemoteError and its kinds, the retry
loop's Retryable) and how an answer's JSON body is read."""

from __future__ import annotations

from typing import Any

import httpx


class RemoteError(Exception):
    """Talking to the tenant failed; the message is for people and holds no secret.

    `outcome_unknown` is true when the request may have taken effect anyway (a 5xx, or the
    connection lost after sending).
    """

    outcome_unknown: bool = False


class CredentialsError(RemoteError):
    """The credentials cannot be used as they are: the message says what to set."""


class ApiError(RemoteError):
    """The API answered with an error; `message` is the API's own."""

    def __init__(
        self,
        status: int,
        error_code: str | None,
        message: str,
        method: str,
        path: str,
        *,
        hint: str | None = None,
    ) -> None:
        self.status, self.error_code, self.message = status, error_code, message
        self.method, self.path, self.hint = method, path, hint
        self.outcome_unknown = status >= 500
        code = f" {error_code}" if error_code else ""
        text = f"{method} {path}: {status}{code}: {message}"
        super().__init__(f"{text} ({hint})" if hint else text)


class NetworkError(RemoteError):
    """No answer: the tenant could not be reached, or the connection broke."""

    def __init__(self, method: str, path: str, reason: str, *, outcome_unknown: bool) -> None:
        self.method, self.path, self.reason = method, path, reason
        self.outcome_unknown = outcome_unknown
        after = " after the request was sent (it may have been processed)" if outcome_unknown else ""
        super().__init__(f"{method} {path}: {reason}{after}")


class Retryable(Exception):
    """One attempt failed in a way the retry loop may repeat; `error` is what the caller sees if
    it does not."""

    def __init__(self, error: RemoteError, response: httpx.Response | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.response = response

    @property
    def rate_limited(self) -> bool:
        return self.response is not None and self.response.status_code == 429


def json_body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None
