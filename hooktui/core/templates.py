"""Starter code for a new hook, one per trigger, in the spirit of the Auth0 dashboard's templates.

Each starts with a JSDoc block listing what the hook receives, then a minimal body that calls `cb`
once, with the trigger's usual moves left as comments to uncomment.
"""

from __future__ import annotations

from hooktui.core.triggers import Trigger, parse_trigger

_CREDENTIALS_EXCHANGE = """\
/**
@param {object} client - the application asking for a token
@param {string} client.id - client ID
@param {string} client.name - client name
@param {string} client.tenant - Auth0 tenant name
@param {object} client.metadata - client metadata (string values)
@param {array|undefined} scope - the scopes granted to the token, or undefined when none were
@param {string} audience - the API the token is for
@param {object} context - Auth0 context info
@param {object} context.webtask - hook (webtask) context; secrets are in context.webtask.secrets
@param {function} cb - function (error, accessTokenClaims)
*/
module.exports = function (client, scope, audience, context, cb) {
  var access_token = {};
  // Keep this line: a result without `scope` resets the token's scopes.
  access_token.scope = scope;

  // Add namespaced claims or change the scopes:
  // access_token['https://example.com/claim'] = 'bar';
  // access_token.scope = (scope || []).concat('extra');

  // Refuse the token with an OAuth2 error (400 invalid_scope, 400 invalid_request, 500 server_error):
  // return cb(new InvalidScopeError('Not authorized for this scope.'));
  // return cb(new InvalidRequestError('Not a valid request.'));
  // return cb(new ServerError('A server error occurred.'));

  cb(null, access_token);
};
"""

_PRE_USER_REGISTRATION = """\
/**
@param {object} user - the user about to be created
@param {string} user.tenant - Auth0 tenant name
@param {string} user.username - username
@param {string} user.password - password
@param {string} user.email - email
@param {boolean} user.emailVerified - is the email verified?
@param {string} user.phoneNumber - phone number
@param {boolean} user.phoneNumberVerified - is the phone number verified?
@param {object} user.user_metadata - user metadata
@param {object} user.app_metadata - application metadata
@param {object} context - Auth0 context info, such as the connection
@param {string} context.requestLanguage - language of the client agent
@param {string} context.renderLanguage - language of the signup flow
@param {object} context.connection - connection info
@param {string} context.connection.id - connection ID
@param {string} context.connection.name - connection name
@param {string} context.connection.tenant - connection tenant
@param {object} context.request - request info (ip, language)
@param {object} context.webtask - hook (webtask) context; secrets are in context.webtask.secrets
@param {function} cb - function (error, response)
*/
module.exports = function (user, context, cb) {
  var response = {};

  // Only user_metadata and app_metadata of response.user apply to the new user;
  // their keys must not start with '$' nor contain '.'.
  // response.user = {
  //   user_metadata: { foo: 'bar' },
  //   app_metadata: { vip: true, score: 7 }
  // };

  // Deny the signup: the first message goes to the tenant logs, the second to the user.
  // return cb(new PreUserRegistrationError('Denied user registration', 'You are not allowed to register.'));

  // Pass the metadata through unchanged (not the whole user: that would echo the password).
  response.user = { user_metadata: user.user_metadata, app_metadata: user.app_metadata };
  cb(null, response);
};
"""

_POST_USER_REGISTRATION = """\
/**
@param {object} user - the user just created
@param {string} user.id - user ID (without the "auth0|" prefix)
@param {string} user.tenant - Auth0 tenant name
@param {string} user.username - username
@param {string} user.email - email
@param {boolean} user.emailVerified - is the email verified?
@param {string} user.phoneNumber - phone number
@param {boolean} user.phoneNumberVerified - is the phone number verified?
@param {object} user.user_metadata - user metadata
@param {object} user.app_metadata - application metadata
@param {object} context - Auth0 context info, such as the connection
@param {string} context.requestLanguage - language of the client agent
@param {object} context.connection - connection info
@param {string} context.connection.id - connection ID
@param {string} context.connection.name - connection name
@param {string} context.connection.tenant - connection tenant
@param {object} context.webtask - hook (webtask) context; secrets are in context.webtask.secrets
@param {function} cb - function (error, response)
*/
module.exports = function (user, context, cb) {
  // Runs after the signup, without blocking it; the result is ignored.
  // Perform any asynchronous work here (a Slack message, a CRM record), then call cb.
  cb();
};
"""

_POST_CHANGE_PASSWORD = """\
/**
@param {object} user - the user whose password changed
@param {string} user.id - user ID
@param {string} user.username - username
@param {string} user.email - email
@param {string} user.last_password_reset - when the password was changed (ISO 8601)
@param {object} context - Auth0 context info, such as the connection
@param {object} context.connection - connection info
@param {string} context.connection.id - connection ID
@param {string} context.connection.name - connection name
@param {string} context.connection.tenant - connection tenant
@param {object} context.webtask - hook (webtask) context; secrets are in context.webtask.secrets
@param {function} cb - function (error)
*/
module.exports = function (user, context, cb) {
  // Runs after the change, without blocking it; the result is ignored.
  // Perform any asynchronous work here (an email to the user, an audit record), then call cb.
  cb();
};
"""

_SEND_PHONE_MESSAGE = """\
/**
@param {string} recipient - phone number
@param {string} text - message body
@param {object} context - additional authorization context
@param {string} context.message_type - 'sms' or 'voice'
@param {string} context.action - 'enrollment' or 'second-factor-authentication'
@param {string} context.language - language used by the login flow
@param {string} context.code - one-time password
@param {string} context.ip - IP address of the request
@param {string} context.user_agent - user agent making the authentication request
@param {object} context.client - the Auth0 application (may be absent)
@param {string} context.client.client_id - application ID
@param {string} context.client.name - application name
@param {object} context.client.client_metadata - application metadata
@param {object} context.user - the user
@param {string} context.user.user_id - user ID
@param {string} context.user.name - user name
@param {string} context.user.email - user email
@param {object} context.user.app_metadata - application metadata
@param {object} context.user.user_metadata - user metadata
@param {object} context.webtask - hook (webtask) context; secrets are in context.webtask.secrets
@param {function} cb - function (error, response)
*/
module.exports = function (recipient, text, context, cb) {
  // Send `text` to `recipient` through your provider here, then answer with its message ID.
  // On failure: return cb(new SendPhoneMessageError('provider error', 'We could not send your code.'));
  cb(null, { MessageID: 'replace-with-your-provider-message-id' });
};
"""

_TEMPLATES: dict[Trigger, str] = {
    Trigger.CREDENTIALS_EXCHANGE: _CREDENTIALS_EXCHANGE,
    Trigger.PRE_USER_REGISTRATION: _PRE_USER_REGISTRATION,
    Trigger.POST_USER_REGISTRATION: _POST_USER_REGISTRATION,
    Trigger.POST_CHANGE_PASSWORD: _POST_CHANGE_PASSWORD,
    Trigger.SEND_PHONE_MESSAGE: _SEND_PHONE_MESSAGE,
}


def template_for(trigger: Trigger | str) -> str:
    """The starter script for a new hook on `trigger`; ValueError for an unknown trigger id."""
    return _TEMPLATES[parse_trigger(str(trigger))]
