"""Starter code for a new action, one per trigger: the handler Auth0's dashboard starts a new
action with (its JSDoc and an empty async handler), and the trigger's usual `api` calls as
comments to uncomment.
"""

from __future__ import annotations

from hooktui.core.action_triggers import ACTION_TRIGGERS

_POST_LOGIN = """\
/**
* Handler that will be called during the execution of a PostLogin flow.
*
* @param {Event} event - Details about the user and the context in which they are logging in.
* @param {PostLoginAPI} api - Interface whose methods can be used to change the behavior of the login.
*/
exports.onExecutePostLogin = async (event, api) => {
  // Add a namespaced claim to the tokens:
  // api.idToken.setCustomClaim('https://example.com/roles', event.authorization?.roles ?? []);
  // api.accessToken.setCustomClaim('https://example.com/plan', event.user.app_metadata.plan);

  // Refuse the login (the application gets error=access_denied):
  // if (!event.user.email_verified) api.access.deny('Please verify your email first.');
};


/**
* Handler that will be invoked when this action is resuming after an external redirect. If your
* onExecutePostLogin function does not perform a redirect, this function can be safely ignored.
*
* @param {Event} event - Details about the user and the context in which they are logging in.
* @param {PostLoginAPI} api - Interface whose methods can be used to change the behavior of the login.
*/
// exports.onContinuePostLogin = async (event, api) => {
// };
"""

_CREDENTIALS_EXCHANGE = """\
/**
* Handler that will be called during the execution of a Client Credentials exchange.
*
* @param {Event} event - Details about client credentials grant request.
* @param {CredentialsExchangeAPI} api - Interface whose methods can be used to change the behavior of client credentials grant.
*/
exports.onExecuteCredentialsExchange = async (event, api) => {
  // Add a namespaced claim to the access token:
  // api.accessToken.setCustomClaim('https://example.com/plan', event.client.metadata.plan);

  // Refuse the token (invalid_scope, invalid_request or server_error):
  // api.access.deny('invalid_request', 'This client may not call this API.');
};
"""

_PRE_USER_REGISTRATION = """\
/**
* Handler that will be called during the execution of a PreUserRegistration flow.
*
* @param {Event} event - Details about the context and user that is attempting to register.
* @param {PreUserRegistrationAPI} api - Interface whose methods can be used to change the behavior of the signup.
*/
exports.onExecutePreUserRegistration = async (event, api) => {
  // Set metadata on the user about to be created:
  // api.user.setUserMetadata('language', event.request.language);

  // Refuse the signup: the first argument goes to the logs, the second to the user:
  // if (event.user.email?.endsWith('@example.com')) api.access.deny('blocked_domain', 'Signups are closed.');
};
"""

_POST_USER_REGISTRATION = """\
/**
* Handler that will be called during the execution of a PostUserRegistration flow.
*
* @param {Event} event - Details about the context and user that has registered.
* @param {PostUserRegistrationAPI} api - Methods and utilities to help change the behavior after a signup.
*/
exports.onExecutePostUserRegistration = async (event, api) => {
  // Nothing waits for this trigger: notify another system of the new user, e.g.
  // console.log('new user', event.user.user_id, 'on', event.connection.name);
};
"""

_POST_CHANGE_PASSWORD = """\
/**
* Handler that will be called during the execution of a PostChangePassword flow.
*
* @param {Event} event - Details about the user and the context in which the change password is happening.
* @param {PostChangePasswordAPI} api - Methods and utilities to help change the behavior after a user changes their password.
*/
exports.onExecutePostChangePassword = async (event, api) => {
  // Nothing waits for this trigger: revoke the user's sessions elsewhere, e.g.
  // console.log('password changed for', event.user.user_id);
};
"""

_SEND_PHONE_MESSAGE = """\
/**
* Handler that will be called during the execution of a SendPhoneMessage flow.
*
* @param {Event} event - Details about the user and the context in which they are logging in.
* @param {SendPhoneMessageAPI} api - Methods and utilities to help change the behavior of sending a phone message.
*/
exports.onExecuteSendPhoneMessage = async (event, api) => {
  // Send event.message_options.text to event.message_options.recipient through your provider
  // (event.message_options.message_type is 'sms' or 'voice'); keep its key in event.secrets.
};
"""

_TEMPLATES = {
    "post-login": _POST_LOGIN,
    "credentials-exchange": _CREDENTIALS_EXCHANGE,
    "pre-user-registration": _PRE_USER_REGISTRATION,
    "post-user-registration": _POST_USER_REGISTRATION,
    "post-change-password": _POST_CHANGE_PASSWORD,
    "send-phone-message": _SEND_PHONE_MESSAGE,
}


def action_template_for(trigger_id: str) -> str:
    """The starter code of a new action on `trigger_id`; ValueError for a trigger whose handler
    hooktui does not know."""
    if trigger_id in _TEMPLATES:
        return _TEMPLATES[trigger_id]
    trigger = ACTION_TRIGGERS.get(trigger_id)
    if trigger is None or trigger.handler is None:
        known = ", ".join(t.id for t in ACTION_TRIGGERS.values() if t.handler)
        raise ValueError(f"no starter code for trigger {trigger_id!r}: hooktui knows the handler of {known}")
    return (f"/**\n* Handler that will be called during the execution of a {trigger_id} flow.\n*/\n"
            f"exports.{trigger.handler} = async (event, api) => {{\n}};\n")
