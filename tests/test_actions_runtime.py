"""The Actions runtime against real `node`: Auth0's loader checks, the event and every `api`
method of each trigger with Auth0's validations, the outcome, api.cache, the console as Auth0
keeps it, the time limit, no filesystem writes, and the module scope of one deployed version."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from hooktui.core.action_results import ACTION_TRIGGERS, ActionResult, ActionSpec
from hooktui.runtime.executor import Executor

SAMPLES = Path(__file__).resolve().parent.parent / "sample_payloads" / "actions"
HANDLERS = {trigger: handler for trigger, (_, handler) in ACTION_TRIGGERS.items()}


def sample(trigger: str, name: str = "01-default.json") -> dict:
    return json.loads((SAMPLES / trigger / name).read_text())


def action(body: str, trigger: str = "post-login", *, name: str = "act", top: str = "", **kw: object) -> ActionSpec:
    code = f"{top}\nexports.{HANDLERS[trigger]} = async (event, api) => {{\n{body}\n}};\n"
    return ActionSpec(name, trigger, code, code_path=f"/ws/actions/{name}/code.js", **kw)


async def run(spec: ActionSpec, event: dict | None = None, **kw: object) -> ActionResult:
    async with Executor(timeout=kw.pop("timeout", 10.0)) as ex:
        return await ex.run_action(spec, sample(spec.trigger_id) if event is None else event, **kw)


def logged(result: ActionResult) -> list[str]:
    return [e.text for e in result.logs]


# -- Auth0's loader ---------------------------------------------------------------------------


async def test_a_handler_that_is_not_async_fails_with_auth0s_message():
    spec = ActionSpec("sync", "post-login", "exports.onExecutePostLogin = function (event, api) {};")
    result = await run(spec)
    assert result.status == "error"
    assert result.error["message"] == (
        'Invalid function signature for the "onExecutePostLogin" handler. '
        'Use "exports.onExecutePostLogin = async function(event, api) { }" as the signature.')
    assert "actions_api.js" not in (result.error["stack"] or "")


async def test_an_action_without_the_triggers_handler_fails_naming_it():
    spec = ActionSpec("wrong", "credentials-exchange", "exports.onExecutePostLogin = async (event, api) => {};")
    result = await run(spec)
    assert result.status == "error"
    assert 'Invalid function signature for the "onExecuteCredentialsExchange" handler' in result.error["message"]


async def test_exports_must_be_an_object():
    result = await run(ActionSpec("num", "post-login", "module.exports = 5;"))
    assert result.error["message"] == "The Action must export an object."


async def test_the_handler_is_awaited_and_gets_the_specs_secrets():
    spec = action("await new Promise((r) => setTimeout(r, 50));\n"
                  "api.accessToken.setCustomClaim('https://example.com/key', event.secrets.API_KEY);",
                  secrets={"API_KEY": "k-123456"})
    event = sample("post-login")
    event["secrets"] = {"API_KEY": "from-the-file"}
    result = await run(spec, event)
    assert result.ok, result.error
    assert result.outcome["access_token_claims"] == {"https://example.com/key": "k-123456"}


async def test_a_throw_is_the_actions_failure_with_its_stack_and_line():
    spec = action("const x = 1;\nthrow new RangeError('bad ' + x);")
    result = await run(spec)
    assert result.status == "error"
    assert result.error["name"] == "RangeError"
    assert result.error["message"] == "bad 1"
    assert "/ws/actions/act/code.js:4" in result.error["stack"]
    assert result.location.line == 4
    assert "sandbox.js" not in result.error["stack"]


async def test_a_rejection_with_a_non_error_becomes_an_error():
    result = await run(action("return Promise.reject('nope');"))
    assert result.status == "error"
    assert result.error == {"name": "Error", "message": "nope", "stack": result.error["stack"]}


async def test_a_failed_action_applies_none_of_its_commands():
    result = await run(action("api.accessToken.setCustomClaim('https://example.com/a', 1);\nthrow new Error('later');"))
    assert result.status == "error"
    assert result.commands == [{"method": "accessToken.setCustomClaim", "args": ["https://example.com/a", 1]}]
    assert result.outcome["access_token_claims"] == {}
    assert any("discards the api commands" in w for w in result.warnings)


async def test_a_top_level_throw_fails_every_run_of_that_version():
    spec = ActionSpec("top", "post-login", "throw new Error('no config');\nexports.onExecutePostLogin = async () => {};")
    async with Executor(timeout=10) as ex:
        first = await ex.run_action(spec, sample("post-login"))
        second = await ex.run_action(spec, sample("post-login"))
    for r in (first, second):
        assert r.status == "error" and r.error["message"] == "no config"


async def test_a_syntax_error_names_its_line():
    spec = ActionSpec("syntax", "post-login", "exports.onExecutePostLogin = async (event, api) => {\n  let = ;\n};",
                      code_path="/ws/actions/syntax/code.js")
    result = await run(spec)
    assert result.status == "error"
    assert result.error["name"] == "SyntaxError"
    assert result.location is not None and result.location.line == 2


def test_a_spec_refuses_old_trigger_versions_and_runtimes():
    with pytest.raises(ValueError, match="v3"):
        ActionSpec("a", "post-login", "", trigger_version="v2")
    with pytest.raises(ValueError, match="node16"):
        ActionSpec("a", "post-login", "", runtime="node16")
    with pytest.raises(ValueError, match="trigger"):
        ActionSpec("a", "password-reset-post-challenge", "")


# -- post-login -------------------------------------------------------------------------------


async def test_post_login_deny_is_what_the_callback_gets():
    result = await run(action("api.access.deny('Logins from this country are not allowed');"))
    assert result.ok
    assert result.outcome["denied"]["code"] == "access_denied"
    assert result.outcome["denied"]["reason"] == "Logins from this country are not allowed"
    assert result.outcome["denied"]["response"] == {"redirect_to_callback": {
        "error": "access_denied", "error_description": "Logins from this country are not allowed"}}


async def test_post_login_claims_chain_and_land_in_their_tokens():
    result = await run(action(
        "const r = api.accessToken.setCustomClaim('https://example.com/roles', ['admin'])\n"
        "  .idToken.setCustomClaim('https://example.com/email', event.user.email)\n"
        "  .user.setAppMetadata('plan', 'pro');\n"
        "console.log(r === api);"))
    assert result.ok, result.error
    assert logged(result) == ["true"]
    assert result.outcome["access_token_claims"] == {"https://example.com/roles": ["admin"]}
    assert result.outcome["id_token_claims"] == {"https://example.com/email": "j+smith@example.com"}
    assert [c["method"] for c in result.commands] == [
        "accessToken.setCustomClaim", "idToken.setCustomClaim", "user.setAppMetadata"]


async def test_the_scope_claim_cannot_be_set():
    result = await run(action("api.accessToken.setCustomClaim('scope', 'admin');"))
    assert result.status == "error"
    assert result.error["message"] == 'The "scope" claim cannot be set.'


async def test_claims_auth0_refuses_are_warned_and_left_out():
    result = await run(action(
        "api.idToken.setCustomClaim('sub', 'someone-else');\n"
        "api.idToken.setCustomClaim('https://tenant.auth0.com/x', 1);\n"
        "api.accessToken.setCustomClaim('plan', 'pro');\n"
        "api.idToken.setCustomClaim('plan', 'pro');"))
    assert result.ok
    assert result.outcome["id_token_claims"] == {"plan": "pro"}  # non-namespaced is fine on an ID token
    # The sample's audience is the Management API: a non-namespaced access token claim is dropped.
    assert result.outcome["access_token_claims"] == {}
    text = " | ".join(result.warnings)
    assert '"sub" is a claim Auth0 sets itself' in text
    assert "reserves" in text and "auth0.com" in text
    assert '"plan" is not namespaced' in text


async def test_add_and_remove_scope_follow_auth0s_rules_and_do_not_chain():
    ok = await run(action(
        "const r = api.accessToken.addScope('read:reports');\n"
        "api.accessToken.addScope(' write:reports ');\n"
        "api.accessToken.removeScope('openid');\n"
        "console.log(String(r));"))
    assert ok.ok, ok.error
    assert logged(ok) == ["undefined"]
    assert ok.outcome["scopes"] == {"added": ["read:reports", "write:reports"], "removed": ["openid"]}
    for bad, message in [("'a b'", "The value for the scope must not have whitespace."),
                         ("''", "The value for the scope is required."),
                         ("'x'.repeat(281)", "The value for the scope exceeds the allowed maximum of 280 characters."),
                         ("42", "The value for the scope must be a string.")]:
        result = await run(action(f"api.accessToken.addScope({bad});"))
        assert result.status == "error" and result.error["message"] == message, bad


async def test_metadata_null_deletes_and_refused_keys_are_warned():
    result = await run(action(
        "api.user.setUserMetadata('theme', 'dark').user.setUserMetadata('old', null);\n"
        "api.user.setAppMetadata('a.b', 1);\n"
        "api.user.setAppMetadata('$set', 1);\n"
        "api.user.setAppMetadata('roles', ['admin']);\n"
        "api.user.setAppMetadata('plan', {tier: 'pro'});"))
    assert result.ok, result.error
    assert result.outcome["user_metadata"] == {"theme": "dark", "old": None}
    assert result.outcome["app_metadata"] == {"plan": {"tier": "pro"}}
    text = " | ".join(result.warnings)
    assert 'setAppMetadata("a.b")' in text and 'setAppMetadata("$set")' in text
    assert '"roles" is a field Auth0 keeps for itself' in text


async def test_metadata_that_is_not_an_object_makes_the_call_throw():
    event = sample("post-login")
    event["user"]["app_metadata"] = "legacy-string"
    result = await run(action("api.user.setAppMetadata('plan', 'pro');"), event)
    assert result.status == "error"
    assert result.error["message"] == "Unexpected app_metadata format. Must be a valid JSON object"


async def test_validation_error_is_limited_to_100_characters():
    ok = await run(action("api.validation.error('invalid_email', 'Use your work email');"))
    assert ok.outcome["validation_error"] == {"code": "invalid_email", "message": "Use your work email"}
    long = await run(action("api.validation.error('x'.repeat(101), 'm');"))
    assert long.status == "error"
    assert long.error["message"] == "errorCode must NOT have more than 100 characters"


async def test_multifactor_enable_is_recorded_and_unknown_providers_warned():
    result = await run(action("api.multifactor.enable('duo', {allowRememberBrowser: true, providerOptions: "
                              "{host: 'api-1.duo', ikey: 'IK', skey: 'SK-secret'}});"))
    assert result.outcome["multifactor"] == {"provider": "duo", "allowRememberBrowser": True,
                                             "providerOptions": {"host": "api-1.duo", "ikey": "IK", "skey": "[secret]"}}
    unknown = await run(action("api.multifactor.enable('sms');"))
    assert any("'sms'" in w or '"sms"' in w for w in unknown.warnings)


def _jwt_parts(token: str) -> tuple[dict, dict, bytes, bytes]:
    head, body, sig = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (json.loads(base64.urlsafe_b64decode(pad(head))), json.loads(base64.urlsafe_b64decode(pad(body))),
            f"{head}.{body}".encode(), base64.urlsafe_b64decode(pad(sig)))


async def test_redirect_send_user_to_and_encode_token_make_a_real_hs256_jwt():
    result = await run(action(
        "const token = api.redirect.encodeToken({secret: event.secrets.REDIRECT_SECRET, expiresInSeconds: 60, "
        "payload: {email: event.user.email}});\n"
        "api.redirect.sendUserTo('https://app.example.com/step', {query: {session_token: token}});",
        secrets={"REDIRECT_SECRET": "redirect-secret-9f8e7d"}))
    assert result.ok, result.error
    url = result.outcome["redirect"]["url"]
    assert url.startswith("https://app.example.com/step?session_token=")
    header, payload, signed, sig = _jwt_parts(url.split("=", 1)[1])
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert hmac.compare_digest(sig, hmac.new(b"redirect-secret-9f8e7d", signed, hashlib.sha256).digest())
    assert payload["sub"] == "auth0|5f7c8ec7c33c6c004bbafe82" and payload["email"] == "j+smith@example.com"
    assert payload["iss"] == "my-tenant.us.auth0.com" and payload["exp"] - payload["iat"] == 60
    # The secret never goes into the command log.
    assert "redirect-secret-9f8e7d" not in json.dumps(result.commands)
    assert result.commands[0]["args"][0]["secret"] == "[secret]"


async def test_validate_token_checks_signature_state_and_subject():
    encode = action("console.log(api.redirect.encodeToken({secret: 's3cr3t-abc', payload: {state: 'st-1', answer: 42}}));")
    token = logged(await run(encode))[0]
    validate = action("const p = api.redirect.validateToken({secret: event.secrets.S});\nconsole.log(p.answer);",
                      name="validate", secrets={"S": "s3cr3t-abc"})
    event = sample("post-login")
    event["request"]["query"] = {"session_token": token, "state": "st-1"}
    assert logged(await run(validate, event)) == ["42"]
    wrong = action("api.redirect.validateToken({secret: 'other-secret'});", name="wrong")
    result = await run(wrong, event)
    assert result.error["message"] == "The session token is invalid: invalid signature"
    event["request"]["query"]["state"] = "st-2"
    result = await run(validate, event)
    assert result.error["message"] == "The session token is invalid: state mismatch"
    del event["request"]["query"]["session_token"]
    result = await run(validate, event)
    assert result.error["message"] == ("There is no parameter called 'session_token' available in either the POST body "
                                       "or query string.")


async def test_can_redirect_is_false_on_a_refresh_token_exchange_and_a_redirect_there_is_warned():
    spec = action("console.log(api.redirect.canRedirect());\napi.redirect.sendUserTo('https://x.example.com');")
    interactive = await run(spec)
    refresh = await run(spec, sample("post-login", "05-refresh-token-cannot-redirect.json"))
    assert logged(interactive) == ["true"] and logged(refresh) == ["false"]
    assert any("cannot redirect" in w for w in refresh.warnings)
    assert not any("cannot redirect" in w for w in interactive.warnings)


async def test_a_deny_after_a_redirect_is_warned():
    result = await run(action("api.redirect.sendUserTo('https://x.example.com');\napi.access.deny('no');"))
    assert result.outcome["denied"]["reason"] == "no"
    assert any("deny after api.redirect.sendUserTo" in w for w in result.warnings)


async def test_an_invalid_redirect_url_throws_as_on_auth0():
    result = await run(action("api.redirect.sendUserTo('not a url');"))
    assert result.status == "error" and result.error["name"] == "TypeError"


async def test_set_primary_user_only_once():
    result = await run(action("api.authentication.setPrimaryUser('auth0|1');\napi.authentication.setPrimaryUser('auth0|2');"))
    assert result.error["message"] == "The primary user can only be altered once per transaction"


async def test_transaction_metadata_shows_in_the_event_at_once():
    result = await run(action("api.transaction.setMetadata('risk', 3);\nconsole.log(event.transaction.metadata.risk);"))
    assert logged(result) == ["3"]
    assert result.outcome["transaction_metadata"] == {"risk": 3}
    assert result.carry == {"transaction.metadata": {"risk": 3}}


# -- credentials-exchange ---------------------------------------------------------------------


async def test_credentials_exchange_deny_and_claims():
    result = await run(action(
        "if (!event.client.metadata.plan) { api.access.deny('invalid_request', 'no plan'); return; }\n"
        "api.accessToken.setCustomClaim('https://example.com/plan', event.client.metadata.plan);",
        "credentials-exchange"), sample("credentials-exchange", "02-m2m-client-without-metadata.json"))
    assert result.outcome["denied"]["response"] == {"body": {"error": "invalid_request", "error_description": "no plan"}}
    full = await run(action("api.accessToken.setCustomClaim('https://example.com/plan', event.client.metadata.plan);",
                            "credentials-exchange"))
    assert full.outcome == {"denied": None, "access_token_claims": {"https://example.com/plan": "full"}, "target_scopes": None}


async def test_credentials_exchange_deny_codes_outside_auth0s_three_are_warned():
    result = await run(action("api.access.deny('forbidden', 'x');", "credentials-exchange"))
    assert any("invalid_scope, invalid_request or server_error" in w for w in result.warnings)


async def test_credentials_exchange_target_scopes():
    result = await run(action(
        "api.transaction.addTargetScope('write:entity');\napi.transaction.removeTargetScope('read:entity');\n"
        "console.log(JSON.stringify(event.transaction.target_scopes));", "credentials-exchange"))
    assert logged(result) == ['["write:entity"]']
    assert result.outcome["target_scopes"] == ["write:entity"]


# -- pre-user-registration --------------------------------------------------------------------


async def test_pre_user_registration_deny_is_the_signup_error_answer():
    result = await run(action("api.access.deny('blocked domain', 'Sign-ups are closed.');", "pre-user-registration"),
                       sample("pre-user-registration", "02-blocked-domain.json"))
    denied = result.outcome["denied"]
    assert denied["code"] == "extensibility_error" and denied["user_message"] == "Sign-ups are closed."
    assert denied["response"]["status"] == 400
    assert denied["response"]["body"]["friendly_message"] == "Sign-ups are closed."
    assert denied["response"]["body"]["description"] == "blocked domain"


async def test_pre_user_registration_metadata_user_id_and_validation():
    result = await run(action(
        "api.user.setUserMetadata('lang', event.request.language).user.setAppMetadata('plan', 'free')"
        ".user.setUserId('custom|42');", "pre-user-registration"))
    assert result.outcome["user_metadata"] == {"lang": "en"}
    assert result.outcome["app_metadata"] == {"plan": "free"}
    assert result.outcome["user_id"] == "custom|42"
    bad = await run(action("api.validation.error('c', 'm'.repeat(101));", "pre-user-registration"))
    assert bad.error["message"] == "Failed to add validation error: errorMessage must NOT have more than 100 characters"


# -- the triggers with api.cache only, and methods a trigger does not have ----------------------


@pytest.mark.parametrize(("trigger", "call"), [
    ("post-user-registration", "api.access.deny('x')"),
    ("post-change-password", "api.user.setAppMetadata('a', 1)"),
    ("send-phone-message", "api.access.deny('x')"),
    ("credentials-exchange", "api.user.setAppMetadata('a', 1)"),
    ("pre-user-registration", "api.accessToken.setCustomClaim('a', 1)"),
    ("post-login", "api.access.allow()"),
])
async def test_a_method_the_trigger_does_not_have_fails_as_on_auth0(trigger, call):
    result = await run(action(call + ";", trigger))
    assert result.status == "error"
    assert result.error["name"] == "TypeError"
    assert "Cannot read properties of undefined" in result.error["message"] or "is not a function" in result.error["message"]


@pytest.mark.parametrize("trigger", ["post-user-registration", "post-change-password", "send-phone-message"])
async def test_the_async_triggers_have_only_the_cache(trigger):
    result = await run(action("console.log(Object.keys(api).join(','));", trigger))
    assert logged(result) == ["cache"]
    assert result.outcome == {"denied": None}


async def test_send_phone_message_sees_its_message_options():
    result = await run(action("console.log(event.message_options.message_type, event.message_options.recipient);",
                              "send-phone-message"), sample("send-phone-message", "02-voice-message.json"))
    assert logged(result) == ["voice +18085555555"]


async def test_every_sample_event_runs_without_event_warnings():
    async with Executor(timeout=10) as ex:
        for trigger in ACTION_TRIGGERS:
            spec = action("console.log(typeof event);", trigger, name=f"s-{trigger}")
            for path in sorted((SAMPLES / trigger).glob("*.json")):
                result = await ex.run_action(spec, json.loads(path.read_text()))
                assert result.ok, (path, result.error)
                assert result.warnings == [], (path, result.warnings)


async def test_an_event_missing_what_auth0_always_sends_is_warned():
    result = await run(action("", "post-login"), {"user": {"user_id": "x"}})
    assert any("event.client" in w and "event.request" in w for w in result.warnings)


# -- api.cache --------------------------------------------------------------------------------


async def test_the_cache_keeps_values_across_runs_of_a_trigger():
    writer = action("console.log(JSON.stringify(api.cache.set('token', 'abc', {ttl: 60000})));", name="writer")
    reader = action("const r = api.cache.get('token'); console.log(r && r.value);", name="reader")
    async with Executor(timeout=10) as ex:
        wrote = await ex.run_action(writer, sample("post-login"))
        read = await ex.run_action(reader, sample("post-login"))
        other = await ex.run_action(action("console.log(String(api.cache.get('token')));", "credentials-exchange"),
                                    sample("credentials-exchange"))
        ex.clear_action_cache()
        cleared = await ex.run_action(reader, sample("post-login"))
    assert json.loads(logged(wrote)[0])["type"] == "success"
    assert logged(read) == ["abc"]
    assert logged(other) == ["undefined"]  # each trigger has its own cache
    assert logged(cleared) == ["undefined"]


async def test_cache_limits_answer_auth0s_error_codes():
    result = await run(action(
        "const codes = [];\n"
        "const set = (...a) => { const r = api.cache.set(...a); codes.push(r.type === 'success' ? 'ok' : r.code); };\n"
        "set('k'.repeat(65), 'v');\n"
        "set('big', 'v'.repeat(4097));\n"
        "set('past', 'v', {expires_at: Date.now() - 1000});\n"
        "set('nan', 'v', {ttl: 'soon'});\n"
        "codes.push(api.cache.delete('missing').code);\n"
        "set('a', 'v'.repeat(4000)); set('b', 'v'.repeat(4000)); set('c', 'v'.repeat(4000));\n"
        "for (let i = 0; i < 20; i++) set('n' + i, 'x');\n"
        "console.log(codes.join(','));"))
    codes = logged(result)[0].split(",")
    assert codes[:5] == ["CacheKeySizeExceeded", "CacheValueSizeExceeded", "ItemAlreadyExpired", "InvalidExpiry",
                         "CacheKeyDoesNotExist"]
    assert codes[5:8] == ["ok", "ok", "CacheSizeExceeded"]
    assert codes[-1] == "MaxSideEffectsExceeded"


# -- console, limits, filesystem ------------------------------------------------------------------


async def test_console_output_is_live_and_auth0_keeps_256_characters():
    result = await run(action("console.log('a'.repeat(200));\nconsole.warn('b'.repeat(200));"))
    assert [(e.level, len(e.text)) for e in result.logs] == [("info", 200), ("warn", 200)]
    assert result.persisted_log == ("a" * 200 + "\n" + "b" * 200)[:256]
    assert any("first 256 characters" in w for w in result.warnings)
    short = await run(action("console.log('hi');"))
    assert short.persisted_log == "hi\n" and short.warnings == []


async def test_an_action_that_never_settles_fails_at_the_limit():
    result = await run(action("await new Promise(() => {});"), timeout=1.0)
    assert result.status == "error" and result.crash == "timeout"
    assert "did not finish within 1 s" in result.error["message"]
    assert "never settled" in result.error["message"]


async def test_an_action_cannot_write_files_but_can_read_its_packages_built_ins():
    result = await run(action(
        "const fs = require('fs'), os = require('os'), path = require('path');\n"
        "const out = [];\n"
        "for (const p of [path.join(os.tmpdir(), 'x.txt'), '/tmp/hooktui-action-write.txt']) {\n"
        "  try { fs.writeFileSync(p, 'x'); out.push('written'); } catch (e) { out.push(e.code); }\n"
        "}\n"
        "console.log(out.join(','), require('crypto').createHash('sha256').update('x').digest('hex').length);",
        "post-user-registration"))
    assert logged(result) == ["ERR_ACCESS_DENIED,ERR_ACCESS_DENIED 64"]
    assert not Path("/tmp/hooktui-action-write.txt").exists()


async def test_local_files_and_action_modules_cannot_be_required():
    result = await run(action("require('./helper');"))
    assert "single file" in result.error["message"]
    module = await run(action("require('actions:shared');"))
    assert "Action Modules" in module.error["message"]


# -- module scope -----------------------------------------------------------------------------


COUNTER = "let count = 0;\nconst seen = [];"
COUNT_BODY = "count += 1;\nseen.push(event.user.email);\napi.idToken.setCustomClaim('https://example.com/n', count);"


async def test_module_scope_is_reused_across_runs_of_one_version_and_warned():
    spec = action(COUNT_BODY, top=COUNTER)
    async with Executor(timeout=10) as ex:
        results = [await ex.run_action(spec, sample("post-login")) for _ in range(3)]
    assert [r.outcome["id_token_claims"]["https://example.com/n"] for r in results] == [1, 2, 3]
    for r in results:
        warning = next(w for w in r.warnings if w.startswith("module-level state changed"))
        assert "count (" in warning and "seen (" in warning and "another user's" in warning
    assert "count (1 -> 2)" in results[1].warnings[0]


async def test_a_changed_spec_is_a_new_version_with_a_fresh_scope():
    spec = action(COUNT_BODY, top=COUNTER)
    async with Executor(timeout=10) as ex:
        await ex.run_action(spec, sample("post-login"))
        second = await ex.run_action(spec, sample("post-login"))
        changed = action(COUNT_BODY + "\n// edited", top=COUNTER)
        after_edit = await ex.run_action(changed, sample("post-login"))
        new_secret = action(COUNT_BODY + "\n// edited", top=COUNTER, secrets={"K": "v"})
        after_secret = await ex.run_action(new_secret, sample("post-login"))
    assert second.outcome["id_token_claims"]["https://example.com/n"] == 2
    assert after_edit.outcome["id_token_claims"]["https://example.com/n"] == 1
    assert after_secret.outcome["id_token_claims"]["https://example.com/n"] == 1


async def test_fresh_scope_runs_the_module_every_time_and_still_warns():
    spec = action(COUNT_BODY, top=COUNTER + "\nconsole.log('init');")
    async with Executor(timeout=10) as ex:
        results = [await ex.run_action(spec, sample("post-login"), fresh_scope=True) for _ in range(3)]
        reused = await ex.run_action(spec, sample("post-login"))
    assert [r.outcome["id_token_claims"]["https://example.com/n"] for r in results] == [1, 1, 1]
    assert all(logged(r) == ["init"] for r in results)
    assert all(r.fresh_scope for r in results)
    assert any("would start with these values" in w for w in results[0].warnings)
    assert reused.outcome["id_token_claims"]["https://example.com/n"] == 1


async def test_an_action_that_keeps_no_state_gets_no_warning():
    spec = action("const local = [event.user.email];\napi.idToken.setCustomClaim('https://example.com/x', local.length);",
                  top="const axios = { get: () => null };\nconst LIMIT = 5;\nfunction helper() { return LIMIT; }")
    async with Executor(timeout=10) as ex:
        results = [await ex.run_action(spec, sample("post-login")) for _ in range(3)]
    assert all(r.ok and r.warnings == [] for r in results), [r.warnings for r in results]


async def test_implicit_globals_and_global_properties_are_watched_too():
    spec = action("global.hits = (global.hits || 0) + 1;")
    async with Executor(timeout=10) as ex:
        await ex.run_action(spec, sample("post-login"))
        second = await ex.run_action(spec, sample("post-login"))
    assert any("global.hits (1 -> 2)" in w for w in second.warnings), second.warnings


async def test_top_level_console_output_belongs_to_the_first_run_only():
    spec = action("console.log('run');", top="console.log('init');")
    async with Executor(timeout=10) as ex:
        first = await ex.run_action(spec, sample("post-login"))
        second = await ex.run_action(spec, sample("post-login"))
    assert logged(first) == ["init", "run"]
    assert logged(second) == ["run"]


async def test_the_json_shape_is_the_issues():
    result = await run(action("api.accessToken.setCustomClaim('https://example.com/a', 1);\nconsole.log('x');"))
    out = result.to_json()
    assert out["kind"] == "action" and out["status"] == "success"
    assert out["commands"] == [{"method": "accessToken.setCustomClaim", "args": ["https://example.com/a", 1]}]
    assert out["error"] is None and out["outcome"]["denied"] is None
    assert out["logs"][0]["message"] == "x"
    assert isinstance(out["duration_ms"], float) and isinstance(out["warnings"], list)
    json.dumps(out)



async def test_an_unloaded_action_starts_again_with_a_fresh_scope():
    spec = action(COUNT_BODY, top=COUNTER)
    async with Executor(timeout=10) as ex:
        await ex.run_action(spec, sample("post-login"))
        await ex.unload_action("act")
        again = await ex.run_action(spec, sample("post-login"))
    assert again.outcome["id_token_claims"]["https://example.com/n"] == 1


async def test_a_scope_claim_on_a_credentials_exchange_token_is_left_out_with_a_warning():
    result = await run(action("api.accessToken.setCustomClaim('scope', 'admin');", "credentials-exchange"))
    assert result.ok
    assert result.outcome["access_token_claims"] == {}
    assert any('"scope" cannot be set as a claim' in w for w in result.warnings)


async def test_saml_setters_chain_and_land_in_the_outcome_and_unknown_ones_do_not_exist():
    result = await run(action("api.samlResponse.setAttribute('https://example.com/dept', 'sales').samlResponse.setLifetimeInSeconds(600);"))
    assert result.ok, result.error
    assert result.outcome["saml"] == {"attribute:https://example.com/dept": "sales", "lifetimeInSeconds": 600}
    missing = await run(action("api.samlResponse.setColour('blue');"))
    assert missing.status == "error" and "is not a function" in missing.error["message"]


async def test_an_undeclared_package_names_the_actions_dependencies():
    undeclared = await run(action("", top="const axios = require('axios');", meta_file="actions/act.json"))
    assert undeclared.status == "error"
    assert "not declared in the action's dependencies" in undeclared.error["message"]
    assert "actions/act.json" in undeclared.error["message"]
    declared = await run(action("", top="const axios = require('axios');", dependencies={"axios": "1.7.9"}))
    assert "hooktui deps install" in declared.error["message"]


async def test_pre_user_registration_metadata_for_passwordless_users_is_not_written():
    event = sample("pre-user-registration")
    event["connection"] = {"id": "con_1", "name": "email", "strategy": "email"}
    result = await run(action("api.user.setUserMetadata('lang', 'en');", "pre-user-registration"), event)
    assert result.ok and result.outcome["user_metadata"] == {}
    assert any("passwordless" in w for w in result.warnings)


async def test_every_result_of_a_trigger_has_one_outcome_shape():
    async with Executor(timeout=10) as ex:
        ok = await ex.run_action(action("", name="fine"), sample("post-login"))
        thrown = await ex.run_action(action("throw new Error('x');", name="throws"), sample("post-login"))
        timed_out = await ex.run_action(action("await new Promise(() => {});", name="stuck"), sample("post-login"), timeout=0.5)
        syntax = await ex.run_action(ActionSpec("bad", "post-login", "exports.onExecutePostLogin = async () => {"),
                                     sample("post-login"))
    assert timed_out.crash == "timeout" and syntax.error["name"] == "SyntaxError"
    assert set(ok.outcome) == set(thrown.outcome) == set(timed_out.outcome) == set(syntax.outcome)


async def test_on_continue_post_login_is_called_when_asked_and_other_entrypoints_are_refused():
    spec = ActionSpec("two", "post-login", "exports.onExecutePostLogin = async () => { console.log('execute'); };\n"
                      "exports.onContinuePostLogin = async () => { console.log('continue'); };")
    async with Executor(timeout=10) as ex:
        cont = await ex.run_action(spec, sample("post-login"), entrypoint="onContinuePostLogin")
        bad = await ex.run_action(spec, sample("post-login"), entrypoint="onExecuteCredentialsExchange")
    assert logged(cont) == ["continue"]
    assert bad.error["message"] == "The Action can only be called with valid methods."


SCANNED = r"""
const axios = require('axios');
let cache = new Map(), other = 1;
var counter = 0
// let commented = 1;
/* const blocked = 2; */
const text = "let inString = 3;";
const tpl = `let inTemplate = ${counter + 1} and ${ `nested ${'x'}` }`;
const re = /let inRegex = [/]4/g;
const ratio = counter / 2 / 3;
function helper() { let inner = 1; return inner; }
if (counter) { var hoisted = 1; }
exports.onExecutePostLogin = async (event, api) => { const local = 1; };
let last = { a: { b: 1 } };
"""


def test_the_scope_scanner_finds_top_level_declarations_only(tmp_path):
    import subprocess

    from hooktui.runtime.executor import find_node
    script = tmp_path / "scan.js"
    script.write_text(
        f"const s = require({json.dumps(str(Path(__file__).resolve().parent.parent / 'hooktui' / 'runtime' / 'action_scope.js'))});\n"
        "let src = ''; process.stdin.on('data', (d) => (src += d));\n"
        "process.stdin.on('end', () => console.log(JSON.stringify(s.topLevelNames(src))));\n")
    out = subprocess.run([find_node(), str(script)], input=SCANNED, capture_output=True, text=True, timeout=30, check=True)
    assert json.loads(out.stdout) == ["axios", "cache", "other", "counter", "text", "tpl", "re", "ratio", "last"]


def test_one_sample_folder_per_action_trigger_with_the_default_first_and_a_readme():
    assert sorted(p.name for p in SAMPLES.iterdir() if p.is_dir()) == sorted(ACTION_TRIGGERS)
    for trigger in ACTION_TRIGGERS:
        names = sorted(p.name for p in (SAMPLES / trigger).glob("*.json"))
        assert names[0] == "01-default.json" and 2 <= len(names) - 1 <= 4, (trigger, names)
        readme = (SAMPLES / trigger / "README.md").read_text()
        assert all(f"`{n}`" in readme for n in names), trigger
