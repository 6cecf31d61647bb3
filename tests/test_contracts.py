"""Contract checks: what Auth0 would drop or refuse from a successful result."""

import pytest

from hooktui.runtime.contracts import check, claim_namespace_problem


@pytest.mark.parametrize(
    ("key", "kept"),
    [
        ("https://example.com/plan", True),
        ("http://example.com/plan", True),
        ("https://api.example.org/claims/roles", True),
        ("https://myauth0.com.example.net/x", True),  # only the host counts
        # A reserved namespace is the host or a subdomain of it, not any host ending in its letters.
        ("https://myauth0.com/plan", True),
        ("https://notwebtask.io/x", True),
        ("https://mywebtask.run/x", True),
        ("https://auth0.com.example.net/x", True),
        ("plan", False),
        ("urn:example:plan", False),
        ("ftp://example.com/plan", False),
        ("https://auth0.com/plan", False),
        ("https://tenant.auth0.com/plan", False),
        ("https://AUTH0.COM/plan", False),
        ("https://webtask.io/x", False),
        ("https://sandbox.webtask.io/x", False),
        ("https://webtask.run/x", False),
        ("https://x.webtask.run/y", False),
        ("https:///no-host", False),
    ],
)
def test_claim_namespaces(key, kept):
    assert (claim_namespace_problem(key) is None) is kept


def test_credentials_exchange_warnings():
    assert check("credentials-exchange", {"status": "success", "data": {"scope": ["a"], "https://x.com/c": 1}}) == []
    missing = check("credentials-exchange", {"status": "success", "data": {"https://x.com/c": 1}}, {"scope": ["a"]})
    assert len(missing) == 1 and "no `scope`" in missing[0]
    # Nothing was asked for, so leaving scope out loses nothing.
    for payload in ({"scope": []}, {}, None):
        assert check("credentials-exchange", {"status": "success", "data": {"https://x.com/c": 1}}, payload) == []
    bad_scope = check("credentials-exchange", {"status": "success", "data": {"scope": "a b"}})
    assert bad_scope == ["credentials-exchange `scope` should be an array of strings"]
    dropped = check("credentials-exchange", {"status": "success", "data": {"scope": [], "role": "x"}})
    assert dropped and "'role' will be dropped" in dropped[0]
    assert "not an object" in check("credentials-exchange", {"status": "success", "data": None})[0]


def test_errors_are_not_contract_checked():
    assert check("credentials-exchange", {"status": "error", "data": {"message": "x"}}) == []


def test_pre_user_registration_warnings():
    ok = {"user": {"user_metadata": {"a": 1}, "app_metadata": {"plan": {"tier": "x"}}}}
    assert check("pre-user-registration", {"status": "success", "data": ok}) == []
    assert check("pre-user-registration", {"status": "success", "data": {}}) == []
    bad = {"user": {"user_metadata": {"$set": 1, "nested": {"a.b": 1}}, "email": "x"}, "other": 1}
    warnings = check("pre-user-registration", {"status": "success", "data": bad})
    text = "\n".join(warnings)
    assert "key 'other' is ignored" in text
    assert "user.email is ignored" in text
    assert "user.user_metadata key '$set' is refused" in text
    assert "user.user_metadata.nested key 'a.b' is refused" in text
    assert len(warnings) == 4
    assert check("pre-user-registration", {"status": "success", "data": {"user": {"app_metadata": []}}}) == [
        "pre-user-registration user.app_metadata must be an object"
    ]


@pytest.mark.parametrize("trigger", ["post-user-registration", "post-change-password", "send-phone-message"])
def test_other_triggers_have_no_contract(trigger):
    assert check(trigger, {"status": "success", "data": {"anything": {"$x.y": 1}}}) == []
