"""The example actions the demo opens (examples/actions over examples/workspace): valid, each runs
on every sample event of its trigger with real `node`, and the post-login flow does what the
README says (claims from the first action, the deny of the second on the blocked-user event)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hooktui.core.action_specs import action_spec, flow_actions
from hooktui.core.payloads import action_events, sample_events
from hooktui.core.resources import data_path
from hooktui.core.workspace import Workspace
from hooktui.runtime.executor import Executor


@pytest.fixture
def demo(tmp_path: Path) -> Workspace:
    root = tmp_path / "workspace"
    shutil.copytree(data_path("examples/workspace"), root)
    for part in ("actions", "triggers", "payloads"):
        shutil.copytree(data_path("examples/actions") / part, root / part, dirs_exist_ok=True)
    return Workspace.open(root, env={})


def test_the_demo_workspace_holds_both_kinds_without_a_problem(demo: Workspace) -> None:
    assert demo.problems == [] and all(a.problems == [] for a in demo.actions)
    assert {a.name for a in demo.actions} == {"add-roles-claim", "deny-blocked-users", "require-mfa-for-admins",
                                              "token-claims"}
    assert demo.bindings.action_names("post-login") == ["add-roles-claim", "deny-blocked-users"]
    assert demo.hook("token-claims") is not None  # a hook and an action of one name: the migration's start


async def test_every_example_action_runs_on_every_sample_of_its_trigger(demo: Workspace) -> None:
    async with Executor(timeout=10.0) as ex:
        for action in demo.actions:
            samples = sample_events(action.trigger_id)
            assert samples, action.trigger_id
            for sample in samples:
                result = await ex.run_action(action_spec(demo, action), sample.load())
                assert result.ok, (action.name, sample.name, result.error)


async def test_the_post_login_flow_denies_the_blocked_user_after_the_claims(demo: Workspace) -> None:
    event = next(e for e in action_events("post-login", demo.root) if e.name == "blocked-user")
    assert event.origin == "workspace"
    specs = [action_spec(demo, a) for a in flow_actions(demo, "post-login")]
    async with Executor(timeout=10.0) as ex:
        result = await ex.run_flow("post-login", specs, event.load())
        admin = next(e for e in sample_events("post-login") if e.name == "admin-with-roles-and-mfa")
        allowed = await ex.run_flow("post-login", specs, admin.load())
    assert [a.name for a in result.actions] == ["add-roles-claim", "deny-blocked-users"]
    assert "This account is blocked" in result.denied["reason"]
    assert allowed.denied is None
    assert allowed.outcome["access_token_claims"]["https://example.com/roles"] == ["admin", "billing"]
