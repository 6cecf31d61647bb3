"""Masking a hook's secrets in what a run shows: one table of cases, each there because a
plausible one-line change to hooktui.core.redaction would leak a secret or garble output."""

from __future__ import annotations

import json

import pytest

from hooktui.core.redaction import Redactor
from hooktui.core.results import LogEvent, RunResult

# (why the case exists, the hook's secret values, the text shown, what must be shown instead)
TEXT_CASES = [
    ("a secret as written", ["s3cr3t-value"], "key=s3cr3t-value;", "key=***;"),
    ("every occurrence", ["s3cr3t-value"], "s3cr3t-value s3cr3t-value", "*** ***"),
    # JSON.stringify escapes `"` and `\`: a hook logging JSON.stringify({key}) writes the escaped
    # form, which is not the value as written.
    ("a quote, as JSON.stringify writes it", ['pa"ss-word'], '{"key":"pa\\"ss-word"}', '{"key":"***"}'),
    ("a backslash, as JSON.stringify writes it", ["C:\\vault\\key"], '{"p":"C:\\\\vault\\\\key"}',
     '{"p":"***"}'),
    ("a control character, as JSON.stringify writes it", ["line1\nline2"], '"line1\\nline2"', '"***"'),
    ("a quote, as written", ['pa"ss-word'], 'got pa"ss-word', "got ***"),
    # The longest value goes first, or the tail of a secret that contains another stays visible.
    ("one secret inside another", ["abcdef", "abcdef-ghij"], "abcdef-ghij and abcdef", "*** and ***"),
    ("one secret inside another, given the other way round", ["abcdef-ghij", "abcdef"],
     "abcdef-ghij", "***"),
    ("exactly the minimum length is masked", ["123456"], "pin 123456", "pin ***"),
    ("one below the minimum length stays", ["12345"], "pin 12345", "pin 12345"),
    ("a short flag stays", ["true", "dev"], "DRY_RUN=true env=dev", "DRY_RUN=true env=dev"),
    # The minimum applies to the value: a 5-character value whose escaped form has 6 still stays.
    ("a short value whose escaped form is long enough stays", ['ab"cd'], 'x ab\\"cd', 'x ab\\"cd'),
    ("an empty value never masks everything", [""], "nothing secret", "nothing secret"),
    ("no secrets at all", [], "plain text", "plain text"),
    # JSON.stringify leaves non-ASCII as it is; only the quote is escaped here.
    ("non-ASCII beside a quote, as JSON.stringify writes it", ['pä"sswört'], '{"k":"pä\\"sswört"}',
     '{"k":"***"}'),
]


@pytest.mark.parametrize(("why", "secrets", "text", "shown"), TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
def test_text(why: str, secrets: list[str], text: str, shown: str) -> None:
    assert Redactor(secrets).text(text) == shown


def test_the_escaped_forms_match_what_javascript_writes() -> None:
    """The cases above spell JSON.stringify's output by hand; check one against json's."""
    secret = 'q"uo\\te\tx'
    logged = json.dumps({"key": secret}, ensure_ascii=False)
    assert secret not in logged  # the escaped form is what a log line holds
    assert Redactor([secret]).text(logged) == '{"key": "***"}'


def test_truthiness_says_whether_anything_is_masked() -> None:
    assert not Redactor([])
    assert not Redactor(["short", "", "true"])
    assert Redactor(["long-enough"])


VALUE_CASES = [
    ("a string", "tok-123456", "***"),
    ("inside a list", ["a", "tok-123456 end"], ["a", "*** end"]),
    ("inside an object, values", {"k": {"deep": "tok-123456"}}, {"k": {"deep": "***"}}),
    ("inside an object, keys", {"tok-123456": 1}, {"***": 1}),
    ("numbers, booleans and null stay", [1, 2.5, True, None], [1, 2.5, True, None]),
]


@pytest.mark.parametrize(("why", "value", "shown"), VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_value(why: str, value, shown) -> None:
    assert Redactor(["tok-123456"]).value(value) == shown


def test_event_and_result_mask_every_part() -> None:
    secret = "tok-123456"
    event = LogEvent(1.0, "h", "r1", "info", f"sending {secret}")
    result = RunResult(
        hook="h", trigger="credentials-exchange", run_id="r1",
        envelope={"status": "success", "data": {"token": secret, secret: [secret]}},
        logs=[event], duration_ms=1.0, warnings=[f"claim {secret!r} will be dropped"],
    )
    redactor = Redactor([secret])
    assert redactor.event(event).text == "sending ***"
    masked = redactor.result(result)
    assert masked.envelope == {"status": "success", "data": {"token": "***", "***": ["***"]}}
    assert [e.text for e in masked.logs] == ["sending ***"]
    assert masked.warnings == ["claim '***' will be dropped"]
    assert secret not in repr(masked)
    # The original is left as it was: the caller may still need the real values.
    assert result.envelope["data"]["token"] == secret


def test_nothing_to_mask_returns_the_same_objects() -> None:
    event = LogEvent(1.0, "h", "r1", "info", "plain")
    redactor = Redactor(["no"])
    assert redactor.event(event) is event
    value = {"a": ["b"]}
    assert redactor.value(value) is value


def test_an_action_result_and_a_flow_are_masked_everywhere_they_show() -> None:
    from hooktui.core.action_results import ActionResult, FlowResult
    from hooktui.core.results import LogEvent

    secret = "sk_live_abcdef123"
    result = ActionResult(
        "add-claims", "post-login", "r1", "error",
        commands=[{"method": "accessToken.setCustomClaim", "args": ["https://x/key", secret]}],
        outcome={"denied": None, "access_token_claims": {"https://x/key": secret}},
        error={"name": "Error", "message": f"bad key {secret}", "stack": f"Error: bad key {secret}"},
        logs=[LogEvent(0.0, "add-claims", "r1", "info", f"using {secret}")], duration_ms=1.0,
        warnings=[f"claim value {secret}"], persisted_log=f"using {secret}",
        carry={"transaction.metadata.k": secret},
    )
    redactor = Redactor([secret])
    for shown in (redactor.action_result(result),
                  redactor.action_result(FlowResult("post-login", [result], [], 1.0)).actions[0]):
        assert secret not in repr((shown.commands, shown.outcome, shown.error, [e.text for e in shown.logs],
                                   shown.warnings, shown.persisted_log, shown.carry))
        assert shown.commands[0]["method"] == "accessToken.setCustomClaim"
    assert secret in result.error["message"]  # the original is left as it was
