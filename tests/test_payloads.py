"""Sample payloads on disk and the payload module: parsing, lookup by name or path, saving."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hooktui.core import resources
from hooktui.core.files import dump_json
from hooktui.core.payloads import (
    PayloadError,
    SamplePayload,
    default_payload,
    find_payload,
    load_payload,
    parse_payload,
    sample_payloads,
    save_workspace_payload,
    workspace_payloads,
)
from hooktui.core.triggers import Trigger

SAMPLES = resources.data_path("sample_payloads")
EXAMPLE = resources.data_path("examples/workspace")


# The checks auth0-ext-compilers makes on the body before calling the hook (reference §2).
def input_errors(trigger: str, body: Any) -> list[str]:
    if not isinstance(body, dict):
        return ["body is not an object"]
    errors: list[str] = []

    def need(cond: bool, msg: str) -> None:
        if not cond:
            errors.append(msg)

    if trigger == "credentials-exchange":
        need(isinstance(body.get("client"), dict), "client must be an object")
        scope = body.get("scope")
        need(
            scope in (None, "") or isinstance(scope, list),
            "Body .scope received by extensibility point is neither empty nor an array",
        )
        need(isinstance(body.get("audience"), str), "audience must be a string")
        if "context" in body:
            need(isinstance(body["context"], dict), "context must be an object")
    elif trigger in ("pre-user-registration", "post-user-registration", "post-change-password"):
        need(isinstance(body.get("user"), dict), "user must be an object")
        context = body.get("context")
        need(isinstance(context, dict), "context must be an object")
        connection = context.get("connection") if isinstance(context, dict) else None
        need(isinstance(connection, dict), "context.connection must be an object")
    elif trigger == "send-phone-message":
        need(isinstance(body.get("recipient"), str), "recipient must be a string")
        need(isinstance(body.get("text"), str), "text must be a string")
        context = body.get("context")
        if not isinstance(context, dict):
            return errors + ["context must be an object"]
        need(context.get("message_type") in ("sms", "voice"), "context.message_type must be sms or voice")
        need(
            context.get("action") in ("enrollment", "second-factor-authentication"),
            "context.action must be enrollment or second-factor-authentication",
        )
        for key in ("language", "code", "ip", "user_agent"):
            need(isinstance(context.get(key), str), f"context.{key} must be a string")
        if "client" in context:
            need(isinstance(context["client"], dict), "context.client must be an object")
        need(isinstance(context.get("user"), dict), "context.user must be an object")
    else:
        errors.append(f"unknown trigger {trigger}")
    return errors


# The dashboard runner's default payloads, pasted from the reference. The reference gives no value
# for post-user-registration's `id`; "abc123" is post-change-password's.
REFERENCE_DEFAULTS: dict[str, Any] = {
    "credentials-exchange": {
        "audience": "https://my-tenant.auth0.com/api/v2/",
        "client": {
            "id": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "name": "client-name",
            "tenant": "my-tenant",
            "metadata": {"plan": "full"},
        },
        "scope": ["read:connections"],
    },
    "pre-user-registration": {
        "user": {
            "tenant": "my-tenant",
            "username": "user1",
            "password": "xxxxxxx",
            "email": "user1@foo.com",
            "emailVerified": False,
            "phoneNumber": "1-000-000-0000",
            "phoneNumberVerified": False,
            "user_metadata": {"hobby": "surfing"},
            "app_metadata": {"plan": "full"},
        },
        "context": {
            "requestLanguage": "en-us",
            "connection": {
                "id": "con_xxxxxxxxxxxxxxxx",
                "name": "Username-Password-Authentication",
                "tenant": "my-tenant",
            },
        },
    },
    "post-user-registration": {
        "user": {
            "id": "abc123",
            "tenant": "my-tenant",
            "username": "user1",
            "email": "user1@foo.com",
            "emailVerified": True,
            "phoneNumber": "1-000-000-0000",
            "phoneNumberVerified": True,
            "user_metadata": {"hobby": "surfing"},
            "app_metadata": {"plan": "full"},
        },
        "context": {
            "requestLanguage": "en-us",
            "connection": {
                "id": "con_xxxxxxxxxxxxxxxx",
                "name": "Username-Password-Authentication",
                "tenant": "my-tenant",
            },
        },
    },
    "post-change-password": {
        "user": {
            "id": "abc123",
            "username": "user1",
            "email": "user1@foo.com",
            "last_password_reset": "2019-02-27T14:14:29.206Z",
        },
        "context": {
            "connection": {
                "id": "con_xxxxxxxxxxxxxxxx",
                "name": "Username-Password-Authentication",
                "tenant": "my-tenant",
            }
        },
    },
    "send-phone-message": {
        "recipient": "1-808-555-5555",
        "text": "Here is your one time password: 999111",
        "context": {
            "message_type": "sms",
            "action": "enrollment",
            "language": "en",
            "code": "123456",
            "ip": "127.0.0.1",
            "user_agent": "Mozilla/5.0",
            "client": {"client_id": "1235", "name": "Test Application", "client_metadata": {}},
            "user": {
                "user_id": "auth0|test12345",
                "name": "Billie Magnusson",
                "email": "billie@email.com",
                "app_metadata": {},
                "user_metadata": {},
            },
        },
    },
}

ALL_SAMPLES = sorted(SAMPLES.glob("*/*.json"))


def example_workspace_payloads() -> list[tuple[str, Path]]:
    """(trigger, path) of every payload in the example workspace, the trigger read from its hook."""
    found = []
    for folder in sorted((EXAMPLE / "payloads").iterdir()):
        hook = json.loads((EXAMPLE / "hooks" / f"{folder.name}.json").read_text())
        found += [(hook["triggerId"], p) for p in sorted(folder.glob("*.json"))]
    return found


# --- the shipped files ------------------------------------------------------------------------


def test_one_folder_per_trigger():
    # actions/ holds the action triggers' events (tests/test_actions_runtime.py checks them).
    assert sorted(p.name for p in SAMPLES.iterdir() if p.is_dir() and p.name != "actions") == sorted(t.value for t in Trigger)


@pytest.mark.parametrize("trigger", [t.value for t in Trigger])
def test_default_plus_two_to_four_variants_with_ordered_names(trigger):
    names = sorted(p.name for p in (SAMPLES / trigger).glob("*.json"))
    assert names[0] == "01-default.json"
    assert 2 <= len(names) - 1 <= 4
    for i, name in enumerate(names, start=1):
        assert name.startswith(f"{i:02d}-"), name


@pytest.mark.parametrize("path", ALL_SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sample_passes_the_input_checks_of_its_trigger(path):
    text = path.read_text(encoding="utf-8")
    body = json.loads(text)
    assert input_errors(path.parent.name, body) == []
    assert "$description" not in body  # payloads are exactly what Auth0 sends
    assert text == dump_json(body), "pretty-print with dump_json (2-space indent, final newline)"


@pytest.mark.parametrize("trigger,path", example_workspace_payloads(), ids=lambda v: getattr(v, "name", v))
def test_example_workspace_payloads_pass_the_input_checks(trigger, path):
    assert input_errors(trigger, json.loads(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("trigger", [t.value for t in Trigger])
def test_default_sample_is_the_dashboard_default(trigger):
    assert json.loads((SAMPLES / trigger / "01-default.json").read_text()) == REFERENCE_DEFAULTS[trigger]


@pytest.mark.parametrize("trigger", [t.value for t in Trigger])
def test_each_folder_readme_lists_its_files(trigger):
    readme = (SAMPLES / trigger / "README.md").read_text()
    for path in (SAMPLES / trigger).glob("*.json"):
        assert f"`{path.name}`" in readme


def _sms_with_context(**changes: Any) -> dict[str, Any]:
    sms = REFERENCE_DEFAULTS["send-phone-message"]
    return {**sms, "context": {**sms["context"], **changes}}


@pytest.mark.parametrize(
    "trigger,body",
    [
        ("credentials-exchange", {"client": {}, "scope": "read:users", "audience": "x"}),
        ("credentials-exchange", {"client": None, "audience": "x"}),
        ("credentials-exchange", {"client": {}, "scope": []}),
        ("pre-user-registration", {"user": {}, "context": {}}),
        ("post-change-password", {"user": [], "context": {"connection": {}}}),
        ("send-phone-message", {**REFERENCE_DEFAULTS["send-phone-message"], "recipient": 18085555555}),
        ("send-phone-message", _sms_with_context(message_type="email")),
        ("send-phone-message", _sms_with_context(action="login")),
        ("send-phone-message", _sms_with_context(code=123456)),
        ("send-phone-message", _sms_with_context(client="x")),
        ("send-phone-message", _sms_with_context(user=None)),
    ],
)
def test_the_input_checks_reject_bad_bodies(trigger, body):
    assert input_errors(trigger, body)


def test_the_optional_parts_are_optional():
    no_scope = {k: v for k, v in REFERENCE_DEFAULTS["credentials-exchange"].items() if k != "scope"}
    assert input_errors("credentials-exchange", no_scope) == []
    sms = REFERENCE_DEFAULTS["send-phone-message"]
    no_client = {**sms, "context": {k: v for k, v in sms["context"].items() if k != "client"}}
    assert input_errors("send-phone-message", no_client) == []


# --- listing and defaults ---------------------------------------------------------------------


def test_sample_payloads_are_sorted_and_named_without_the_prefix():
    samples = sample_payloads(Trigger.PRE_USER_REGISTRATION)
    assert [s.name for s in samples] == ["default", "blocked-domain", "referral-code", "phone-signup"]
    assert all(s.origin == "sample" and s.trigger == "pre-user-registration" for s in samples)
    assert samples[1].path == SAMPLES / "pre-user-registration" / "02-blocked-domain.json"
    assert samples[1].stem == "02-blocked-domain"


def test_sample_payloads_accept_a_trigger_id_string_and_refuse_unknown_ones():
    assert sample_payloads("send-phone-message") == sample_payloads(Trigger.SEND_PHONE_MESSAGE)
    with pytest.raises(ValueError, match="unknown trigger"):
        sample_payloads("pre-login")


@pytest.mark.parametrize("trigger", list(Trigger))
def test_default_payload_is_the_first_sample(trigger):
    default = default_payload(trigger)
    assert default.name == "default"
    assert default == sample_payloads(trigger)[0]
    assert default.load() == REFERENCE_DEFAULTS[trigger.value]


def test_sorting_with_a_custom_root(tmp_path):
    folder = tmp_path / "post-change-password"
    folder.mkdir()
    for name in ("03-c.json", "01-a.json", "02-b.json", "notes.txt", ".01-hidden.json"):
        (folder / name).write_text("{}")
    samples = sample_payloads("post-change-password", root=tmp_path)
    assert [s.path.name for s in samples] == ["01-a.json", "02-b.json", "03-c.json"]
    assert default_payload("post-change-password", root=tmp_path).name == "a"
    assert sample_payloads("send-phone-message", root=tmp_path) == []
    with pytest.raises(PayloadError, match="no sample payloads"):
        default_payload("send-phone-message", root=tmp_path)


def make_workspace(root: Path) -> Path:
    (root / "payloads" / "my-hook").mkdir(parents=True)
    (root / "payloads" / "pre-user-registration").mkdir(parents=True)
    (root / "payloads" / "my-hook" / "02-zeta.json").write_text('{"from": "hook zeta"}')
    (root / "payloads" / "my-hook" / "01-blocked-domain.json").write_text('{"from": "hook"}')
    (root / "payloads" / "pre-user-registration" / "01-alpha.json").write_text('{"from": "trigger"}')
    return root


def test_workspace_payloads_hook_folder_then_trigger_folder(tmp_path):
    ws = make_workspace(tmp_path)
    found = workspace_payloads(ws, "my-hook", "pre-user-registration")
    assert [(p.name, p.path.parent.name) for p in found] == [
        ("blocked-domain", "my-hook"),
        ("zeta", "my-hook"),
        ("alpha", "pre-user-registration"),
    ]
    assert all(p.origin == "workspace" for p in found)
    assert workspace_payloads(ws, "other-hook", "post-change-password") == []


def test_the_payloads_folder_can_be_moved(tmp_path):
    (tmp_path / "test-data" / "my-hook").mkdir(parents=True)
    (tmp_path / "test-data" / "my-hook" / "01-moved.json").write_text("{}")
    found = find_payload("moved", "post-change-password", tmp_path, "my-hook", payloads_dir="test-data")
    assert found.origin == "workspace"
    saved = save_workspace_payload(tmp_path, "my-hook", "second", {}, payloads_dir="test-data")
    assert saved == tmp_path / "test-data" / "my-hook" / "second.json"
    assert workspace_payloads(tmp_path, "my-hook", "post-change-password") == []


def test_a_hook_named_like_its_trigger_is_not_listed_twice(tmp_path):
    ws = make_workspace(tmp_path)
    found = workspace_payloads(ws, "pre-user-registration", "pre-user-registration")
    assert [p.name for p in found] == ["alpha"]


# --- parsing ----------------------------------------------------------------------------------


def test_parse_error_carries_line_and_column():
    with pytest.raises(PayloadError) as info:
        parse_payload('{\n  "a": 1\n    "b": 2\n}', "payload.json")
    err = info.value
    assert (err.source, err.line, err.column) == ("payload.json", 3, 5)
    assert err.message == "Expecting ',' delimiter"
    assert str(err) == "payload.json:3:5: Expecting ',' delimiter — fix the JSON and run again"


def test_parse_error_from_stdin():
    with pytest.raises(PayloadError, match=r"^<stdin>:1:2: Expecting property name"):
        parse_payload("{'a': 1}", "<stdin>")


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n"])
def test_empty_input_is_a_clear_error(text):
    with pytest.raises(PayloadError, match="empty") as info:
        parse_payload(text, "<stdin>")
    assert info.value.line == 1


def test_nan_is_refused_like_node_would():
    with pytest.raises(PayloadError) as info:
        parse_payload('{"s": "NaN here",\n "n": NaN}', "p.json")
    assert (info.value.line, info.value.column) == (2, 7)
    assert "NaN is not valid JSON" in str(info.value)


def test_parse_accepts_any_json_value_and_a_bom():
    assert parse_payload("[1, 2]", "x") == [1, 2]
    assert parse_payload('\ufeff{"a": "é"}', "x") == {"a": "é"}


def test_load_payload_reads_utf8(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"email": "zoë@bücher.example"}', encoding="utf-8")
    assert load_payload(path) == {"email": "zoë@bücher.example"}


def test_load_payload_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(PayloadError) as info:
        load_payload(missing)
    assert info.value.source == str(missing)
    assert str(missing) in str(info.value)


def test_load_payload_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"a": }')
    with pytest.raises(PayloadError, match=rf"^{bad}:1:7: Expecting value"):
        load_payload(bad)
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"a": "é"}'.encode("latin-1"))
    with pytest.raises(PayloadError, match="not UTF-8"):
        load_payload(latin)
    with pytest.raises(PayloadError, match="folder"):
        load_payload(tmp_path)


# --- finding ----------------------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["blocked-domain", "02-blocked-domain", "02-blocked-domain.json", " blocked-domain "])
def test_find_sample_by_name(ref):
    found = find_payload(ref, "pre-user-registration")
    assert found == SamplePayload(
        "pre-user-registration", "blocked-domain", SAMPLES / "pre-user-registration" / "02-blocked-domain.json", "sample"
    )


def test_find_by_path(tmp_path):
    path = tmp_path / "03-custom.json"
    path.write_text("{}")
    found = find_payload(str(path), "credentials-exchange")
    assert (found.path, found.origin, found.name, found.trigger) == (path, "file", "custom", "credentials-exchange")


def test_find_by_path_relative_to_the_workspace(tmp_path, monkeypatch):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(tmp_path)
    found = find_payload("payloads/my-hook/02-zeta.json", "pre-user-registration", ws, "my-hook")
    assert found.path == ws / "payloads" / "my-hook" / "02-zeta.json"
    assert found.load() == {"from": "hook zeta"}


def test_a_missing_path_is_reported_as_a_file():
    with pytest.raises(PayloadError, match="no such payload file") as info:
        find_payload("some/where/p.json", "pre-user-registration")
    assert info.value.source == "some/where/p.json"


def test_a_bare_word_is_a_name_before_a_file_of_that_name(tmp_path, monkeypatch):
    (tmp_path / "default").write_text('{"stray": true}')
    monkeypatch.chdir(tmp_path)
    assert find_payload("default", "post-change-password").origin == "sample"


def test_workspace_payloads_win_over_samples(tmp_path):
    ws = make_workspace(tmp_path)
    found = find_payload("blocked-domain", "pre-user-registration", ws, "my-hook")
    assert found.origin == "workspace"
    assert found.load() == {"from": "hook"}
    # the trigger folder is searched without a hook name; samples are still reachable
    assert find_payload("alpha", "pre-user-registration", ws).load() == {"from": "trigger"}
    assert find_payload("referral-code", "pre-user-registration", ws, "my-hook").origin == "sample"


def test_unknown_name_lists_the_options(tmp_path):
    ws = make_workspace(tmp_path)
    with pytest.raises(PayloadError) as info:
        find_payload("blocked", "pre-user-registration", ws, "my-hook")
    text = str(info.value)
    assert text.startswith("blocked: no pre-user-registration payload with that name")
    assert "available: blocked-domain, zeta, alpha, default, referral-code, phone-signup" in text


def test_the_example_workspace_payloads_are_found_by_name():
    found = find_payload("blocked-client", "credentials-exchange", EXAMPLE, "token-claims")
    assert found.origin == "workspace"
    assert find_payload("blocked-domain", "pre-user-registration", EXAMPLE, "signup-deny-list").origin == "sample"


# --- saving -----------------------------------------------------------------------------------


def test_save_writes_pretty_json_and_is_found_again(tmp_path):
    body = {"user": {"email": "zoë@example.com"}, "context": {"connection": {}}}
    path = save_workspace_payload(tmp_path, "my-hook", "zoe", body)
    assert path == tmp_path / "payloads" / "my-hook" / "zoe.json"
    assert path.read_text(encoding="utf-8") == dump_json(body)
    assert find_payload("zoe", "post-change-password", tmp_path, "my-hook").load() == body
    assert [p.name for p in path.parent.iterdir()] == ["zoe.json"]  # no temp file left behind


def test_save_refuses_to_overwrite(tmp_path):
    path = save_workspace_payload(tmp_path, "my-hook", "case-1", {"v": 1})
    with pytest.raises(FileExistsError) as info:
        save_workspace_payload(tmp_path, "my-hook", "case-1.json", {"v": 2})
    assert info.value.filename == str(path)
    assert json.loads(path.read_text()) == {"v": 1}
    assert save_workspace_payload(tmp_path, "my-hook", "case-1", {"v": 2}, overwrite=True) == path
    assert json.loads(path.read_text()) == {"v": 2}


@pytest.mark.parametrize("name", ["", "../escape", "a/b", ".hidden", "..", "with space"])
def test_save_refuses_names_that_are_not_one_file_name(tmp_path, name):
    with pytest.raises(ValueError):
        save_workspace_payload(tmp_path, "my-hook", name, {})
    assert not (tmp_path / "payloads").exists()


def test_save_refuses_a_value_that_is_not_json(tmp_path):
    with pytest.raises(TypeError):
        save_workspace_payload(tmp_path, "my-hook", "bad", {"when": object()})
    assert not (tmp_path / "payloads").exists()
