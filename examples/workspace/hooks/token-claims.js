/**
 * credentials-exchange: put the client's plan and tenant into its access tokens, grant
 * read:reports only to clients on the "full" plan, and refuse clients marked as blocked.
 */
var NAMESPACE = 'https://example.com/';
var PLAN_SCOPES = { full: ['read:reports'] };
var RESTRICTED_SCOPES = ['read:reports', 'write:reports'];

module.exports = function (client, scope, audience, context, cb) {
  // Client metadata values are always strings in Auth0, hence 'true' and not true.
  var metadata = client.metadata || {};
  if (metadata.blocked === 'true') {
    return cb(new InvalidRequestError('Client ' + client.name + ' (' + client.id + ') is blocked'));
  }

  var plan = metadata.plan || 'free';
  var granted = PLAN_SCOPES[plan] || [];

  // Start from the scopes Auth0 granted: a result without `scope` would reset them all.
  // `scope` is undefined, not [], when the client asked for none.
  var scopes = (scope || []).filter(function (s) {
    return RESTRICTED_SCOPES.indexOf(s) === -1 || granted.indexOf(s) !== -1;
  });
  granted.forEach(function (s) {
    if (scopes.indexOf(s) === -1) scopes.push(s);
  });

  var token = { scope: scopes };
  // Only namespaced claims (a URL on a host of ours) reach the token; others are dropped.
  token[NAMESPACE + 'plan'] = plan;
  token[NAMESPACE + 'tenant'] = metadata.tenant || client.tenant;
  cb(null, token);
};
