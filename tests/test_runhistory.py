"""RunHistory: the bounded, per-hook, newest-first record of runs and the diff between two results."""

from __future__ import annotations

import pytest

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
