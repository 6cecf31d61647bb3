"""RunHistory: the bounded, per-hook, newest-first record of runs and the diff between two results."""

from __future__ import annotations

import pytest

from hooktui.core.action_results import ActionResult, FlowResult
from hooktui.core.results import LogEvent, RunResult
from hooktui.core.runhistory import RunHistory, RunRecord


def record(run_id: str, hook: str = "token-claims", *, status: str = "success", data=None, error=None,
           warnings=(), payload_name: str = "default", at: float | None = None) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        hook=hook,
        payload_name=payload_name,
        payload={"run": run_id},
        status=status,
        data=data,
        error=error,
        duration_ms=1.0,
        warnings=list(warnings),
        logs=[],
        at=float(run_id.lstrip("r")) if at is None else at,
    )


def test_from_result_keeps_what_the_run_answered():
    result = RunResult(
        hook="token-claims",
        trigger="credentials-exchange",
        run_id="r7",
        envelope={"status": "error", "data": {"name": "InvalidScopeError", "message": "no",
                                              "error_description": "bad scope"}},
        logs=[LogEvent(1.0, "token-claims", "r7", "warn", "careful")],
        duration_ms=2.5,
        warnings=["data.scope must be an array"],
    )
    rec = RunRecord.from_result(result, "blocked-client", {"client": {}})
    assert (rec.run_id, rec.hook, rec.payload_name) == ("r7", "token-claims", "blocked-client")
    assert rec.payload == {"client": {}}
    assert rec.status == "error"
    assert rec.error == "InvalidScopeError: no: bad scope"
    assert rec.duration_ms == 2.5
    assert rec.warnings == ["data.scope must be an array"]
    assert rec.logs == ["warn careful"]
    assert rec.at > 0
    rec.warnings.append("x")
    assert result.warnings == ["data.scope must be an array"]  # a copy, not the result's list


def test_for_hook_is_newest_first_and_per_hook():
    history = RunHistory()
    history.add(record("r1"))
    history.add(record("r2", hook="other"))
    history.add(record("r3"))
    assert [r.run_id for r in history.for_hook("token-claims")] == ["r3", "r1"]
    assert [r.run_id for r in history.for_hook("other")] == ["r2"]
    assert history.for_hook("nobody") == []
    assert history.latest("token-claims").run_id == "r3"
    assert history.latest("nobody") is None
    assert len(history) == 3


def test_bound_per_hook_drops_the_oldest():
    history = RunHistory(limit=3)
    for i in range(1, 6):
        history.add(record(f"r{i}"))
    history.add(record("r9", hook="other"))
    assert [r.run_id for r in history.for_hook("token-claims")] == ["r5", "r4", "r3"]
    assert [r.run_id for r in history.for_hook("other")] == ["r9"]  # another hook's bound is its own


def test_default_bound_is_50():
    history = RunHistory()
    for i in range(1, 61):
        history.add(record(f"r{i}"))
    runs = history.for_hook("token-claims")
    assert len(runs) == 50 and runs[0].run_id == "r60" and runs[-1].run_id == "r11"


def test_limit_must_keep_something():
    with pytest.raises(ValueError):
        RunHistory(limit=0)


def test_previous():
    history = RunHistory()
    r1, r2, r3 = record("r1"), record("r2"), record("r3")
    for r in (r1, r2, r3):
        history.add(r)
    assert history.previous("token-claims", r3) is r2
    assert history.previous("token-claims", r2) is r1
    assert history.previous("token-claims", r1) is None
    assert history.previous("token-claims", record("r99")) is None
    # An equal copy of a kept record is found by its run id and time.
    assert history.previous("token-claims", record("r3")) is r2


def test_compare_is_a_unified_diff_labelled_with_run_ids_and_payloads():
    a = record("r1", data={"scope": ["read"], "b": 1}, payload_name="default")
    b = record("r2", status="error", data={"message": "denied"}, error="denied", warnings=["w1"],
               payload_name="blocked-client")
    diff = RunHistory.compare(a, b)
    lines = diff.splitlines()
    assert lines[0] == "--- r1 (default)"
    assert lines[1] == "+++ r2 (blocked-client)"
    assert "-status: success" in lines
    assert "+status: error" in lines
    assert '+    "message": "denied"' in lines
    assert "-error: -" in lines and "+error: denied" in lines
    assert "+  - w1" in lines


def test_compare_sorts_keys_so_order_is_not_a_difference():
    a = record("r1", data={"a": 1, "b": {"y": 2, "x": 1}})
    b = record("r2", data={"b": {"x": 1, "y": 2}, "a": 1})
    assert RunHistory.compare(a, b) == "identical results: r1 (default) and r2 (default)"


def test_compare_ignores_duration_and_logs():
    a, b = record("r1", data=1), record("r2", data=1)
    b.duration_ms, b.logs = 900.0, ["info something"]
    assert RunHistory.compare(a, b).startswith("identical results")


def test_compare_handles_values_json_cannot_encode():
    a, b = record("r1", data={"when": object()}), record("r2", data=None)
    assert "+++ r2 (default)" in RunHistory.compare(a, b)


def test_rename_moves_runs_and_merges_by_time():
    history = RunHistory(limit=3)
    history.add(record("r1", hook="old"))
    history.add(record("r3", hook="old"))
    history.add(record("r2", hook="new"))
    history.rename("old", "new")
    assert history.for_hook("old") == []
    runs = history.for_hook("new")
    assert [r.run_id for r in runs] == ["r3", "r2", "r1"]
    assert all(r.hook == "new" for r in runs)
    history.add(record("r4", hook="new"))
    assert [r.run_id for r in history.for_hook("new")] == ["r4", "r3", "r2"]  # still bounded
    history.rename("nobody", "new")  # nothing to move: nothing happens
    history.rename("new", "new")
    assert len(history.for_hook("new")) == 3


def test_forget():
    history = RunHistory()
    history.add(record("r1"))
    history.add(record("r2", hook="other"))
    history.forget("token-claims")
    history.forget("nobody")
    assert history.for_hook("token-claims") == []
    assert [r.run_id for r in history.for_hook("other")] == ["r2"]


# -- actions and flows -----------------------------------------------------------------------------


def action_result(run_id: str = "r1", *, name: str = "add-claims", status: str = "success", commands=None,
                  outcome=None, error=None, warnings=()) -> ActionResult:
    base = {"denied": None, "access_token_claims": {}, "id_token_claims": {}, "user_metadata": {}, "app_metadata": {}}
    return ActionResult(
        name=name, trigger="post-login", run_id=run_id, status=status,
        commands=list(commands if commands is not None else []), outcome={**base, **(outcome or {})},
        error=error, logs=[LogEvent(1.0, name, run_id, "info", "hello")], duration_ms=3.0, warnings=list(warnings),
    )


def test_from_action_result_keeps_kind_outcome_and_commands():
    result = action_result("r4", commands=[{"method": "accessToken.setCustomClaim", "args": ["https://x/role", "admin"]}],
                           outcome={"access_token_claims": {"https://x/role": "admin"}}, warnings=["w"])
    rec = RunRecord.from_action_result(result, "default", {"user": {}})
    assert (rec.kind, rec.hook, rec.run_id, rec.status) == ("action", "add-claims", "r4", "success")
    assert rec.commands == [{"method": "accessToken.setCustomClaim", "args": ["https://x/role", "admin"]}]
    assert rec.outcome["access_token_claims"] == {"https://x/role": "admin"}
    assert rec.logs == ["info hello"] and rec.warnings == ["w"]
    assert rec.verdict == "success"
    result.outcome["access_token_claims"]["other"] = 1
    assert "other" not in rec.outcome["access_token_claims"]  # a copy: the record keeps what the run answered


def test_a_denied_action_and_a_failed_one_say_so_in_their_verdict():
    denied = RunRecord.from_action_result(action_result(outcome={"denied": {"code": "access_denied", "reason": "no"}}), "d", {})
    failed = RunRecord.from_action_result(action_result(status="error", error={"name": "TypeError", "message": "x is undefined"}), "d", {})
    assert denied.verdict == "denied"
    assert failed.verdict == "error" and failed.error == "TypeError: x is undefined"


def test_from_flow_result_is_keyed_by_its_trigger_and_names_its_runs():
    first = action_result("r2", name="one", commands=[{"method": "idToken.setCustomClaim", "args": ["a", 1]}],
                          outcome={"id_token_claims": {"a": 1}})
    second = action_result("r3", name="two", outcome={"denied": {"code": "access_denied", "reason": "blocked"}})
    flow = FlowResult("post-login", [first, second], [{"action": "three", "reason": "two denied the transaction"}], 6.0)
    rec = RunRecord.from_flow_result(flow, "default", {})
    assert (rec.kind, rec.hook, rec.run_id, rec.verdict) == ("flow", "post-login", "r2–r3", "denied")
    assert rec.commands == [{"action": "one", "method": "idToken.setCustomClaim", "args": ["a", 1]}]
    assert rec.steps == ["1. one success", "2. two denied", "-  three not run: two denied the transaction"]
    assert rec.duration_ms == 6.0


def test_a_hook_an_action_and_a_flow_of_one_name_keep_their_own_runs():
    history = RunHistory()
    history.add(record("r1", hook="post-login"))
    history.add(RunRecord.from_action_result(action_result("r2", name="post-login"), "d", {}))
    flow = FlowResult("post-login", [action_result("r3", name="x")], [], 1.0)
    history.add(RunRecord.from_flow_result(flow, "d", {}))
    assert [r.run_id for r in history.for_hook("post-login")] == ["r1"]
    assert [r.run_id for r in history.for_hook("post-login", kind="action")] == ["r2"]
    assert [r.run_id for r in history.for_hook("post-login", kind="flow")] == ["r3"]
    assert history.latest("post-login", kind="action").run_id == "r2"
    history.rename("post-login", "renamed", kind="action")
    assert history.for_hook("renamed", kind="action")[0].hook == "renamed"
    assert [r.run_id for r in history.for_hook("post-login")] == ["r1"]  # the hook stays
    history.forget("post-login", kind="flow")
    assert history.for_hook("post-login", kind="flow") == [] and len(history) == 2


def test_previous_works_within_a_kind():
    history = RunHistory()
    older = RunRecord.from_action_result(action_result("r1"), "d", {})
    newer = RunRecord.from_action_result(action_result("r2"), "d", {})
    history.add(older)
    history.add(newer)
    assert history.previous("add-claims", newer, kind="action") is older


def test_compare_of_two_action_runs_shows_the_outcome_and_commands_that_changed():
    a = RunRecord.from_action_result(action_result(
        "r1", commands=[{"method": "accessToken.setCustomClaim", "args": ["https://x/role", "user"]}],
        outcome={"access_token_claims": {"https://x/role": "user"}}), "default", {})
    b = RunRecord.from_action_result(action_result(
        "r2", commands=[{"method": "accessToken.setCustomClaim", "args": ["https://x/role", "admin"]},
                        {"method": "user.setAppMetadata", "args": ["plan", "pro"]}],
        outcome={"access_token_claims": {"https://x/role": "admin"}, "app_metadata": {"plan": "pro"}}), "default", {})
    text = RunHistory.compare(a, b)
    lines = text.splitlines()
    assert '-  api.accessToken.setCustomClaim("https://x/role", "user")' in lines
    assert '+  api.accessToken.setCustomClaim("https://x/role", "admin")' in lines
    assert '+  api.user.setAppMetadata("plan", "pro")' in lines
    assert any(line.startswith("-") and '"https://x/role": "user"' in line for line in lines)
    assert any(line.startswith("+") and '"plan": "pro"' in line for line in lines)
    assert not any("data:" in line for line in lines)  # an action has no hook envelope to compare
    same = RunRecord.from_action_result(action_result("r3", commands=a.commands, outcome=a.outcome), "default", {})
    assert RunHistory.compare(a, same).startswith("identical results")


def test_compare_of_a_deny_against_a_success_names_the_denial():
    ok = RunRecord.from_action_result(action_result("r1"), "d", {})
    no = RunRecord.from_action_result(action_result("r2", commands=[{"method": "access.deny", "args": ["blocked"]}],
                                                    outcome={"denied": {"code": "access_denied", "reason": "blocked"}}), "d", {})
    text = RunHistory.compare(ok, no)
    assert "-status: success" in text.splitlines() and "+status: denied" in text.splitlines()
    assert '+  api.access.deny("blocked")' in text.splitlines()
