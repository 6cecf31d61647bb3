"""The conversion's idioms one by one (convert.js through convert_code, real node): callbacks in
branches, nested callbacks, promise chains, a callback passed down, async/await, error classes,
secrets, versioned requires, and a `// MIGRATE:` comment plus a manual item for each construct
Actions have no equivalent for."""

from __future__ import annotations

import pytest

from hooktui.migrate.convert import convert_code


def convert(code: str, trigger: str = "credentials-exchange") -> dict:
    answer = convert_code(code, trigger)
    assert "error" not in answer, answer
    return answer


def test_cb_in_every_branch_becomes_deny_or_claims_and_returns():
    out = convert("module.exports = function (client, scope, audience, context, cb) {\n"
                  "  if (!client.metadata) return cb(new InvalidScopeError('no metadata'));\n"
                  "  else if (audience === 'x') { cb(new ServerError('down')); return; }\n"
                  "  cb(null, { scope: scope, 'https://a.io/c': client.name });\n};\n")
    code = out["code"]
    assert "if (!event.client.metadata) { api.access.deny('invalid_scope', 'no metadata'); return; }" in code
    assert "else if (event.resource_server.identifier === 'x') { api.access.deny('server_error', 'down'); return; }" in code
    assert "api.accessToken.setCustomClaim(\"https://a.io/c\", event.client.name);" in code
    assert "event.resource_server.identifier === 'x'" in code
    assert "cb" not in code.replace("// ", "") and out["manual"] == []


def test_secrets_and_inputs_become_event_fields():
    code = convert("module.exports = function (user, context, cb) {\n"
                   "  var k = context.webtask.secrets.API_KEY;\n"
                   "  console.log(user.phoneNumber, context.requestLanguage, context.connection.name, user.id);\n"
                   "  cb();\n};\n", "post-user-registration")["code"]
    assert "var k = event.secrets.API_KEY;" in code
    assert "event.user.phone_number, event.request.language, event.connection.name, event.user.user_id.replace(" in code


def test_nested_callbacks_and_promise_chains_wait_for_the_callback():
    code = convert("module.exports = function (user, context, cb) {\n"
                   "  fetchThing().then(function (r) { setTimeout(() => cb(null, r), 1); }).catch(cb);\n};\n",
                   "post-change-password")["code"]
    assert "await new Promise((resolve, reject) => {" in code
    assert "const cb = (error) => (error ? reject(error) : resolve());" in code


def test_a_callback_passed_down_is_defined_for_the_helper():
    code = convert("function check(client, done) { done(null, { scope: [] }); }\n"
                   "module.exports = function (client, scope, audience, context, cb) { check(client, cb); };\n")["code"]
    assert "applyTokenResult(event, api, result)" in code and "denyAsHookError(api, error)" in code
    assert "check(client, cb);" in code and "const client = { id: event.client.client_id" in code


def test_a_parameter_the_hook_reassigns_is_rebuilt_as_a_let():
    code = convert("module.exports = function (user, context, cb) {\n  context = context || {};\n  cb();\n};\n",
                   "post-change-password")["code"]
    assert "  let context = { connection:" in code


def test_async_hook_and_arrow_with_an_expression_body():
    code = convert("module.exports = async (user, context, cb) => cb(null, { user: { app_metadata: { plan: 'free' } } });\n",
                   "pre-user-registration")["code"]
    assert code.startswith("exports.onExecutePreUserRegistration = async (event, api) => {")
    assert "applyRegistrationResult(event, api, result)" in code or "api.user.setAppMetadata" in code


def test_pre_user_registration_literal_metadata_and_friendly_denial():
    code = convert("module.exports = function (user, context, cb) {\n"
                   "  if (user.email.endsWith('@spam.test')) return cb(new PreUserRegistrationError('domain', 'Sign-ups closed.'));\n"
                   "  cb(null, { user: { user_metadata: { lang: context.requestLanguage }, app_metadata: { plan: 'free' } } });\n};\n",
                   "pre-user-registration")["code"]
    assert "api.access.deny('domain', 'Sign-ups closed.');" in code
    assert 'api.user.setUserMetadata("lang", event.request.language);' in code
    assert 'api.user.setAppMetadata("plan", \'free\');' in code


def test_versioned_require_becomes_a_dependency():
    out = convert("const axios = require('axios@1.7.9');\nmodule.exports = function (user, context, cb) { cb(); };\n",
                  "post-user-registration")
    assert out["dependencies"] == {"axios": "1.7.9"}
    assert "require(\"axios\")" in out["code"]


def test_send_phone_message_inputs_are_message_options():
    code = convert("module.exports = function (recipient, text, context, cb) {\n"
                   "  console.log(recipient, text, context.code, context.message_type, context.client.client_metadata);\n"
                   "  cb(null, {});\n};\n", "send-phone-message")["code"]
    assert ("event.message_options.recipient, event.message_options.text, event.message_options.code, "
            "event.message_options.message_type, event.client.metadata") in code


@pytest.mark.parametrize(("trigger", "body", "construct"), [
    ("post-user-registration", "context.webtask.storage.get(function (e, d) { cb(); });", "context.webtask.storage.get"),
    ("post-user-registration", "auth0.users.updateAppMetadata(user.id, {}); cb();", "auth0"),
    ("post-user-registration", "require('fs').writeFileSync('/tmp/x', 'y'); cb();", "fs.writeFileSync"),
    ("pre-user-registration", "if (user.password.length < 8) return cb(new Error('short')); cb();", "user.password"),
    ("credentials-exchange", "cb(null, { scope: ['admin'] });", "scope"),
    ("credentials-exchange", "cb(null, { 'https://a.io/x': 1 });", "result without scope"),
    ("credentials-exchange", "cb(null, { scope: scope, plain: 1 });", "claim plain"),
    ("post-user-registration", "counter++; cb();", "counter"),
    ("post-change-password", "console.log(context.somethingElse); cb();", "context.somethingElse"),
])
def test_each_construct_without_an_equivalent_is_a_migrate_comment_and_a_manual_item(trigger, body, construct):
    params = {"credentials-exchange": "client, scope, audience, context, cb",
              "send-phone-message": "recipient, text, context, cb"}.get(trigger, "user, context, cb")
    out = convert(f"var counter = 0;\nmodule.exports = function ({params}) {{\n  {body}\n}};\n", trigger)
    items = [m for m in out["manual"] if m["construct"] == construct]
    assert items, out["manual"]
    item = items[0]
    assert item["reason"] and item["advice"] and item["hook_line"] == 3
    lines = out["code"].splitlines()
    assert lines[item["comment_line"] - 1].strip().startswith("// MIGRATE: " + item["reason"][:20]) if "comment_line" in item \
        else any(line.strip().startswith("// MIGRATE:") for line in lines)


def test_use_npm_is_a_manual_item():
    out = convert("'use npm';\nmodule.exports = function (user, context, cb) { cb(); };\n", "post-user-registration")
    assert [m["construct"] for m in out["manual"]] == ["'use npm'"]
    assert out["code"].startswith("// MIGRATE:")


def test_a_syntax_error_names_the_line_and_a_missing_export_says_what_to_do():
    assert convert_code("module.exports = function (user, context, cb) {\n  cb(;\n};\n", "post-change-password")["line"] == 2
    answer = convert_code("exports.foo = 1;\n", "post-change-password")
    assert "module.exports" in answer["error"] and "by hand" in answer["error"]
