'use strict';
// What each hook trigger becomes as an action: the hook's parameters, where each of their fields
// is in the action's `event`, the hook-shaped object rebuilt from `event` for a parameter used
// whole, and the functions the converted code calls when a result or an error is only known at
// run time (Auth0's migration guide, ../shared/reference/auth0-actions.md section 7).

const SECRETS = { 'webtask.secrets': 'event.secrets' };
const USER_CONTEXT = {
  requestLanguage: 'event.request.language', renderLanguage: 'event.transaction?.locale',
  'connection.tenant': 'event.tenant.id', connection: 'event.connection', request: 'event.request', ...SECRETS,
};
const USER_PROLOGUE = 'const user = { ...event.user, tenant: event.tenant.id, emailVerified: event.user.email_verified, '
  + 'phoneNumber: event.user.phone_number, phoneNumberVerified: event.user.phone_verified };';
const CONTEXT_PROLOGUE = 'const context = { requestLanguage: event.request.language, connection: { ...event.connection, '
  + 'tenant: event.tenant.id }, request: event.request, webtask: { secrets: event.secrets } };';
const USER_FIELDS = {
  tenant: 'event.tenant.id', username: 'event.user.username', email: 'event.user.email',
  emailVerified: 'event.user.email_verified', phoneNumber: 'event.user.phone_number',
  phoneNumberVerified: 'event.user.phone_verified', user_metadata: 'event.user.user_metadata',
  app_metadata: 'event.user.app_metadata',
};

const DENY_CCE = `
// Added by hooktui migrate: the hook's error classes as the OAuth2 error each one produced.
function denyAsHookError(api, error) {
  const codes = { InvalidScopeError: 'invalid_scope', InvalidRequestError: 'invalid_request' };
  api.access.deny(codes[error && error.name] || 'server_error', (error && error.message) || String(error));
}
`;
const APPLY_CCE = `
// Added by hooktui migrate: a hook's result as the api calls with the same effect. Only namespaced
// claims (http/https URLs) reached a hook's token; a scope other than the granted one becomes the
// Early Access target scopes, which Auth0 intersects with the client grant.
function applyTokenResult(event, api, result) {
  for (const [claim, value] of Object.entries(result || {})) {
    if (claim !== 'scope' && /^https?:\\/\\//.test(claim)) api.accessToken.setCustomClaim(claim, value);
  }
  const granted = event.accessToken.scope || [];
  const scope = (result && result.scope) || [];
  if (scope.length !== granted.length || scope.some((s) => !granted.includes(s))) api.transaction.setTargetScopes(scope);
}
`;
const DENY_PUR = `
// Added by hooktui migrate: a hook's error as the denial the user saw (its friendly message).
function denyAsHookError(api, error) {
  const message = (error && error.message) || String(error);
  api.access.deny(message, (error && error.friendlyMessage) || message);
}
`;
const APPLY_PUR = `
// Added by hooktui migrate: a hook's result replaced the whole metadata object; an action sets keys
// one by one, so the keys the result left out are removed (null) to leave the same metadata.
function applyRegistrationResult(event, api, result) {
  const user = (result && result.user) || {};
  for (const [kind, set] of [['user_metadata', (k, v) => api.user.setUserMetadata(k, v)],
    ['app_metadata', (k, v) => api.user.setAppMetadata(k, v)]]) {
    if (!user[kind]) continue;
    for (const key of Object.keys(event.user[kind] || {})) if (!(key in user[kind])) set(key, null);
    for (const [key, value] of Object.entries(user[kind])) set(key, value);
  }
}
`;

const ERROR_CLASSES = {
  InvalidRequestError: 'class InvalidRequestError extends Error { constructor(message) { super(message); this.name = \'InvalidRequestError\'; } }',
  InvalidScopeError: 'class InvalidScopeError extends Error { constructor(message) { super(message); this.name = \'InvalidScopeError\'; } }',
  ServerError: 'class ServerError extends Error { constructor(message) { super(message); this.name = \'ServerError\'; } }',
  PreUserRegistrationError: 'class PreUserRegistrationError extends Error { constructor(message, friendlyMessage) { super(message); this.name = \'PreUserRegistrationError\'; this.friendlyMessage = friendlyMessage || message; } }',
  SendPhoneMessageError: 'class SendPhoneMessageError extends Error { constructor(message, friendlyMessage) { super(message); this.name = \'SendPhoneMessageError\'; this.friendlyMessage = friendlyMessage || message; } }',
};

// kind: how a callback's outcome maps: 'token' (claims, scopes, OAuth2 denial), 'registration'
// (metadata, denial with a friendly message), 'ignored' (Auth0 only logged it: an error throws).
const TRIGGERS = {
  'credentials-exchange': {
    handler: 'onExecuteCredentialsExchange', kind: 'token',
    params: ['client', 'scope', 'audience', 'context', 'cb'],
    fields: {
      client: { id: 'event.client.client_id', name: 'event.client.name', tenant: 'event.tenant.id', metadata: 'event.client.metadata' },
      scope: { '': 'event.accessToken.scope' },
      audience: { '': 'event.resource_server.identifier' },
      context: { ...SECRETS },
    },
    prologue: {
      client: 'const client = { id: event.client.client_id, name: event.client.name, tenant: event.tenant.id, metadata: event.client.metadata };',
      context: 'const context = { webtask: { secrets: event.secrets } };',
    },
    errors: { InvalidRequestError: 'invalid_request', InvalidScopeError: 'invalid_scope', ServerError: 'server_error', Error: 'server_error' },
    helpers: { deny: DENY_CCE, apply: APPLY_CCE },
  },
  'pre-user-registration': {
    handler: 'onExecutePreUserRegistration', kind: 'registration',
    params: ['user', 'context', 'cb'],
    fields: { user: USER_FIELDS, context: USER_CONTEXT },
    prologue: { user: USER_PROLOGUE, context: CONTEXT_PROLOGUE.replace('requestLanguage: event.request.language,', 'requestLanguage: event.request.language, renderLanguage: event.transaction?.locale,') },
    errors: { PreUserRegistrationError: true, Error: true },
    helpers: { deny: DENY_PUR, apply: APPLY_PUR },
  },
  'post-user-registration': {
    handler: 'onExecutePostUserRegistration', kind: 'ignored',
    params: ['user', 'context', 'cb'],
    // The hook's user.id had no "auth0|" prefix; the action's user_id has it.
    fields: { user: { ...USER_FIELDS, id: 'event.user.user_id.replace(/^auth0\\|/, \'\')' }, context: USER_CONTEXT },
    prologue: { user: USER_PROLOGUE.replace('{ ...event.user,', '{ ...event.user, id: event.user.user_id.replace(/^auth0\\|/, \'\'),'), context: CONTEXT_PROLOGUE },
    errors: {}, helpers: {},
  },
  'post-change-password': {
    handler: 'onExecutePostChangePassword', kind: 'ignored',
    params: ['user', 'context', 'cb'],
    fields: {
      user: { id: 'event.user.user_id', username: 'event.user.username', email: 'event.user.email', last_password_reset: 'event.user.last_password_reset' },
      context: { 'connection.tenant': 'event.tenant.id', connection: 'event.connection', ...SECRETS },
    },
    prologue: {
      user: 'const user = { id: event.user.user_id, username: event.user.username, email: event.user.email, last_password_reset: event.user.last_password_reset };',
      context: 'const context = { connection: { ...event.connection, tenant: event.tenant.id }, webtask: { secrets: event.secrets } };',
    },
    errors: {}, helpers: {},
  },
  'send-phone-message': {
    handler: 'onExecuteSendPhoneMessage', kind: 'ignored',
    params: ['recipient', 'text', 'context', 'cb'],
    fields: {
      recipient: { '': 'event.message_options.recipient' },
      text: { '': 'event.message_options.text' },
      context: {
        message_type: 'event.message_options.message_type', action: 'event.message_options.action',
        code: 'event.message_options.code', language: 'event.request.language', ip: 'event.request.ip',
        user_agent: 'event.request.user_agent', 'client.client_metadata': 'event.client.metadata',
        client: 'event.client', user: 'event.user', ...SECRETS,
      },
    },
    prologue: {
      context: 'const context = { ...event.message_options, language: event.request.language, ip: event.request.ip, '
        + 'user_agent: event.request.user_agent, client: event.client && { ...event.client, client_metadata: event.client.metadata }, '
        + 'user: event.user, webtask: { secrets: event.secrets } };',
    },
    errors: {}, helpers: {},
  },
};

module.exports = { TRIGGERS, ERROR_CLASSES };
