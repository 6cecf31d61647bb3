"""A trigger's flow against real `node`: bound actions in binding order, what each sees of the
earlier ones, a deny / redirect / failure ending the flow, one time limit for the whole trigger,
and the outcome the application gets."""

from __future__ import annotations

import json
import re

import pytest
from test_actions_runtime import action, logged, sample

from hooktui.core.action_results import ActionSpec, merge_outcomes
from hooktui.runtime.executor import Executor, ExecutorError


async def flow(trigger: str, specs: list[ActionSpec], event: dict | None = None, **kw: object):
    async with Executor(timeout=kw.pop("timeout", 10.0)) as ex:
        return await ex.run_flow(trigger, specs, sample(trigger) if event is None else event, **kw)


def claim(name: str, value: object) -> str:
    return f"api.accessToken.setCustomClaim('https://example.com/{name}', {json.dumps(value)});"


async def test_three_actions_accumulate_claims_in_binding_order():
    specs = [action(claim("a", 1) + "\napi.idToken.setCustomClaim('https://example.com/who', 'first');", name="first"),
             action(claim("b", 2) + "\napi.idToken.setCustomClaim('https://example.com/who', 'second');", name="second"),
             action(claim("c", 3), name="third")]
    result = await flow("post-login", specs)
    assert result.ok
    assert [a.name for a in result.actions] == ["first", "second", "third"]
    assert result.outcome["access_token_claims"] == {"https://example.com/a": 1, "https://example.com/b": 2,
                                                     "https://example.com/c": 3}
    assert result.outcome["id_token_claims"] == {"https://example.com/who": "second"}  # the last write wins
    assert [(c["action"], c["method"]) for c in result.commands] == [
        ("first", "accessToken.setCustomClaim"), ("first", "idToken.setCustomClaim"),
        ("second", "accessToken.setCustomClaim"), ("second", "idToken.setCustomClaim"),
        ("third", "accessToken.setCustomClaim")]
    assert result.not_run == []


async def test_a_deny_stops_the_flow():
    specs = [action(claim("a", 1), name="first"),
             action("api.access.deny('not today');", name="gate"),
             action(claim("c", 3) + "\nconsole.log('third ran');", name="third")]
    result = await flow("post-login", specs)
    assert [a.name for a in result.actions] == ["first", "gate"]
    assert result.not_run == [{"action": "third", "reason": "gate denied the transaction"}]
    assert result.denied["reason"] == "not today"
    assert result.denied["response"]["redirect_to_callback"]["error"] == "access_denied"
    assert "third ran" not in [e.text for e in result.logs]
    assert result.status == "success"  # a deny is an outcome, not a failure of the runtime


async def test_a_failing_action_fails_the_flow_and_nothing_is_applied():
    specs = [action(claim("a", 1) + "\napi.user.setAppMetadata('plan', 'pro');", name="first"),
             action("throw new Error('upstream down');", name="broken"),
             action(claim("c", 3), name="third")]
    result = await flow("post-login", specs)
    assert result.status == "error"
    assert result.error["action"] == "broken" and result.error["message"] == "upstream down"
    assert result.outcome["access_token_claims"] == {} and result.outcome["app_metadata"] == {}
    assert result.outcome["denied"] is None
    assert result.not_run[0]["action"] == "third"
    assert any("applies none of the flow's commands" in w for w in result.warnings)


async def test_a_redirect_suspends_the_rest_of_the_flow():
    specs = [action("api.redirect.sendUserTo('https://mfa.example.com/start');", name="redirects"),
             action(claim("c", 3), name="after")]
    result = await flow("post-login", specs)
    assert result.outcome["redirect"] == {"url": "https://mfa.example.com/start"}
    assert result.not_run[0]["action"] == "after" and "onContinuePostLogin" in result.not_run[0]["reason"]


async def test_later_actions_see_transaction_metadata_but_not_metadata_writes():
    specs = [action("api.transaction.setMetadata('risk', 7);\napi.user.setAppMetadata('plan', 'pro');", name="writer"),
             action("console.log(event.transaction.metadata.risk, String(event.user.app_metadata.plan));", name="reader")]
    result = await flow("post-login", specs)
    assert logged(result.actions[1]) == ["7 undefined"]
    assert result.outcome["app_metadata"] == {"plan": "pro"}
    assert result.outcome["transaction_metadata"] == {"risk": 7}


async def test_metadata_of_the_flow_is_batched_key_by_key():
    specs = [action("api.user.setAppMetadata('plan', 'free').user.setAppMetadata('trial', true);", name="a"),
             action("api.user.setAppMetadata('plan', 'pro').user.setAppMetadata('trial', null);", name="b")]
    result = await flow("post-login", specs)
    assert result.outcome["app_metadata"] == {"plan": "pro", "trial": None}


async def test_the_cache_is_shared_by_the_actions_of_a_trigger():
    specs = [action("api.cache.set('k', 'from-first');", "credentials-exchange", name="first"),
             action("console.log(api.cache.get('k').value);", "credentials-exchange", name="second")]
    result = await flow("credentials-exchange", specs)
    assert logged(result.actions[1]) == ["from-first"]


async def test_target_scopes_carry_to_the_next_action():
    specs = [action("api.transaction.addTargetScope('write:entity');", "credentials-exchange", name="adds"),
             action("console.log(event.transaction.target_scopes.join(' '));", "credentials-exchange", name="reads")]
    result = await flow("credentials-exchange", specs)
    assert logged(result.actions[1]) == ["read:entity write:entity"]
    assert result.outcome["target_scopes"] == ["read:entity", "write:entity"]


async def test_the_time_limit_is_the_whole_triggers():
    slow = "await new Promise((r) => setTimeout(r, 700));"
    specs = [action(slow, name="slow-1"), action(slow, name="slow-2"), action(claim("c", 1), name="never")]
    result = await flow("post-login", specs, timeout=1.0)
    assert result.actions[0].ok
    assert result.actions[1].crash == "timeout"
    # What was left of the trigger's second, not a second of its own.
    assert re.search(r"within 0\.\d s", result.actions[1].error["message"]), result.actions[1].error
    assert result.status == "error"
    assert [n["action"] for n in result.not_run] == ["never"]


async def test_an_action_of_another_trigger_cannot_be_in_the_flow():
    with pytest.raises(ExecutorError, match="credentials-exchange"):
        await flow("post-login", [action("", "credentials-exchange")])


async def test_an_empty_flow_lets_the_transaction_through():
    result = await flow("pre-user-registration", [])
    assert result.ok and result.actions == []
    assert result.outcome == {"denied": None, "user_metadata": {}, "app_metadata": {}, "user_id": None, "validation_error": None}


async def test_the_flow_json_has_each_actions_own_result():
    specs = [action(claim("a", 1), name="first"), action("api.access.deny('no');", name="second")]
    out = (await flow("post-login", specs)).to_json()
    assert out["kind"] == "flow" and out["status"] == "success"
    assert [a["action"] for a in out["actions"]] == ["first", "second"]
    assert all(a["kind"] == "action" for a in out["actions"])
    assert out["outcome"]["denied"]["reason"] == "no"
    assert out["outcome"]["access_token_claims"] == {"https://example.com/a": 1}
    assert out["commands"][0] == {"action": "first", "method": "accessToken.setCustomClaim", "args": ["https://example.com/a", 1]}
    json.dumps(out)


def test_merging_scope_changes_cancels_an_add_by_a_later_remove():
    merged = merge_outcomes([{"denied": None, "scopes": {"added": ["a", "b"], "removed": []}},
                             {"denied": None, "scopes": {"added": [], "removed": ["a"]}}])
    assert merged["scopes"] == {"added": ["b"], "removed": ["a"]}
