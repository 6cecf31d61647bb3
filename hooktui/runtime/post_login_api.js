'use strict';
// post-login's `api` (v3), the richest of the triggers: access, both tokens' claims and scopes,
// metadata, validation, multifactor and the authentication challenges, redirect with its session
// tokens (HS256 JWTs, as Auth0 signs them), transaction and session settings, SAML, prompts, and
// the tenant reads a local run can only emulate. actions_api.js builds the api of every trigger
// and hands in what the methods share through attach's `shared` argument.

const crypto = require('node:crypto');

// api.samlResponse in @auth0/actions (post-login v3): every one returns the top-level api.
const SAML_SETTERS = ['setAttribute', 'setAudience', 'setRecipient', 'setCreateUpnClaim', 'setPassthroughClaimsWithNoMapping',
  'setMapUnknownClaimsAsIs', 'setMapIdentities', 'setSignatureAlgorithm', 'setDigestAlgorithm', 'setDestination',
  'setLifetimeInSeconds', 'setSignResponse', 'setNameIdentifierFormat', 'setNameIdentifierProbes', 'setAuthnContextClassRef',
  'setSigningCert', 'setIncludeAttributeNameFormat', 'setTypedAttributes', 'setEncryptionCert', 'setEncryptionPublicKey',
  'setCert', 'setKey', 'setRelayState', 'setIssuer', 'setEncryptionAlgorithm'];
const MFA_PROVIDERS = new Set(['any', 'none', 'guardian', 'google-authenticator', 'duo']);
const MAX_SCOPE_COUNT = 1000;
const DEFAULT_SESSION_TOKEN_EXP = 15 * 60;
const NO_REDIRECT_PROTOCOLS = ['oauth2-resource-owner', 'oauth2-refresh-token', 'oauth2-password', 'oauth2-webauthn'];

// -- JWTs for api.redirect (HS256, as Auth0 signs session tokens) -------------------------------

function b64url(buf) {
  return Buffer.from(buf).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function signJwt(payload, secret) {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(payload));
  const sig = b64url(crypto.createHmac('sha256', String(secret)).update(`${head}.${body}`).digest());
  return `${head}.${body}.${sig}`;
}

function verifyJwt(token, secret, expect) {
  const parts = String(token).split('.');
  if (parts.length !== 3) return { valid: false, reason: 'jwt malformed' };
  let header;
  let payload;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch (e) {
    return { valid: false, reason: 'jwt malformed' };
  }
  if (!header || header.alg !== 'HS256') return { valid: false, reason: 'invalid algorithm' };
  const expected = crypto.createHmac('sha256', String(secret)).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return { valid: false, reason: 'invalid signature' };
  if (typeof payload.exp === 'number' && payload.exp <= Math.floor(Date.now() / 1000)) return { valid: false, reason: 'jwt expired' };
  if (expect.issuer !== undefined && payload.iss !== expect.issuer) return { valid: false, reason: `jwt issuer invalid. expected: ${expect.issuer}` };
  if (expect.sub !== undefined && payload.sub !== expect.sub) return { valid: false, reason: `jwt subject invalid. expected: ${expect.sub}` };
  if (payload.state !== expect.state) return { valid: false, reason: 'state mismatch' };
  return { valid: true, payload };
}

// -- the api object ------------------------------------------------------------------------------

// Adds post-login's methods to `api` (api.cache is already there). `shared`: the helpers of
// actions_api.js that every trigger's methods use, and the ones it built for this run.
function attach(api, event, state, tools, shared) {
  const { chain, plain, setClaim, setMetadata, record, warnOnce, plainArgs, assertScope, validationCheck, MAX_USER_ID_LENGTH } = shared;
  const E = tools.Error;
  const TE = tools.TypeError;
  api.access = {
    deny: chain('access.deny', (reason) => {
      if (state.redirect) {
        warnOnce(state, 'api.access.deny after api.redirect.sendUserTo: the login is denied and the redirect never happens');
      }
      state.denied = { code: 'access_denied', reason: reason === undefined ? null : String(reason), user_message: null };
    }),
  };
  api.accessToken = {
    setCustomClaim: chain('accessToken.setCustomClaim', setClaim('accessToken', state.accessClaims)),
    // @auth0/actions returns nothing from these two: they do not chain.
    addScope: plain('accessToken.addScope', (scope) => {
      const s = assertScope(scope, E, TE);
      state.scopes.removed = state.scopes.removed.filter((x) => x !== s);
      if (!state.scopes.added.includes(s)) state.scopes.added.push(s);
      if (state.scopes.added.length > MAX_SCOPE_COUNT) throw new E(`The number of scopes exceeds the allowed maximum of ${MAX_SCOPE_COUNT}.`);
    }),
    removeScope: plain('accessToken.removeScope', (scope) => {
      const s = assertScope(scope, E, TE);
      state.scopes.added = state.scopes.added.filter((x) => x !== s);
      if (!state.scopes.removed.includes(s)) state.scopes.removed.push(s);
    }),
  };
  api.idToken = { setCustomClaim: chain('idToken.setCustomClaim', setClaim('idToken', state.idClaims)) };
  api.user = {
    setUserMetadata: chain('user.setUserMetadata', setMetadata('user')),
    setAppMetadata: chain('user.setAppMetadata', setMetadata('app')),
  };
  api.validation = {
    error: chain('validation.error', (code, message) => {
      validationCheck(code, message, '', E);
      state.validation = { code, message };
    }),
  };
  api.multifactor = {
    enable: chain('multifactor.enable', (provider, options) => {
      if (!MFA_PROVIDERS.has(provider)) {
        warnOnce(state, `api.multifactor.enable(${JSON.stringify(provider)}): Auth0 knows the providers ${[...MFA_PROVIDERS].join(', ')}; the login fails with an unknown one`);
      }
      if (provider === 'duo') {
        const o = options && options.providerOptions;
        if (!o || !o.host || !o.ikey || !o.skey) warnOnce(state, 'api.multifactor.enable("duo") needs providerOptions {host, ikey, skey}');
      }
      // Deferred to the end of the flow: the last call wins.
      state.multifactor = {
        provider,
        allowRememberBrowser: options && options.allowRememberBrowser !== undefined ? Boolean(options.allowRememberBrowser) : false,
        providerOptions: options && options.providerOptions ? plainArgs([options.providerOptions], ['skey'])[0] : null,
      };
    }),
  };
  const challenge = (how) => plain(`authentication.${how}`, (...factors) => {
    state.challenge = { method: how, factors: plainArgs(factors)[0], options: plainArgs(factors.slice(1))[0] || null };
  });
  api.authentication = {
    challengeWith: challenge('challengeWith'),
    challengeWithAny: challenge('challengeWithAny'),
    enrollWith: challenge('enrollWith'),
    enrollWithAny: challenge('enrollWithAny'),
    recordMethod: chain('authentication.recordMethod', (url) => {
      warnOnce(state, `api.authentication.recordMethod(${JSON.stringify(url)}) only takes effect in onContinuePostLogin, after a redirect`);
    }),
    setPrimaryUser: plain('authentication.setPrimaryUser', (id) => {
      if (state.primaryUser !== null) throw new E('The primary user can only be altered once per transaction');
      if (typeof id !== 'string' || id.length === 0) throw new E('The provided primary_user_id must be a non-empty string');
      if (id.length > MAX_USER_ID_LENGTH) throw new E('The provided primary_user_id exceeds the maximum length.');
      state.primaryUser = id;
    }),
  };
  const continueParams = () => {
    const r = (event && event.request) || {};
    return { ...(r.query || {}), ...(r.body || {}) };
  };
  api.redirect = {
    sendUserTo: chain('redirect.sendUserTo', (url, options) => {
      const target = new URL(url); // an invalid URL throws TypeError [ERR_INVALID_URL], as on Auth0
      if (options && options.query) for (const k in options.query) target.searchParams.set(k, options.query[k]);
      if (state.denied) warnOnce(state, 'api.redirect.sendUserTo after api.access.deny: the login is denied and the redirect never happens');
      if (!api.redirect.canRedirect()) {
        warnOnce(state, 'api.redirect.sendUserTo in a transaction that cannot redirect (prompt=none or a non-interactive protocol): Auth0 fails the login; check api.redirect.canRedirect() first');
      }
      state.redirect = { url: target.href };
    }),
    encodeToken: plain('redirect.encodeToken', (options) => {
      if (!options || typeof options !== 'object') throw new TE('Cannot read properties of undefined (reading \'expiresInSeconds\')');
      if (typeof options.secret !== 'string' || options.secret === '') throw new E('A secret is required to encode the token');
      const iat = Math.floor(Date.now() / 1000);
      const payload = {
        iat,
        iss: event.request && event.request.hostname,
        sub: event.user && event.user.user_id,
        exp: iat + (options.expiresInSeconds ?? DEFAULT_SESSION_TOKEN_EXP),
        ip: event.request && event.request.ip,
        ...(options.payload || {}),
      };
      return signJwt(payload, options.secret);
    }, ['secret']),
    validateToken: plain('redirect.validateToken', (options) => {
      const name = (options && options.tokenParameterName) || 'session_token';
      const params = continueParams();
      const token = params[name];
      if (!token) throw new E(`There is no parameter called '${name}' available in either the POST body or query string.`);
      const r = verifyJwt(token, options.secret, {
        issuer: event.request && event.request.hostname,
        sub: event.user && event.user.user_id,
        state: params.state,
      });
      if (!r.valid) throw new E(`The session token is invalid: ${r.reason}`);
      return tools.parse(JSON.stringify(r.payload));
    }, ['secret']),
    canRedirect: () => {
      const q = (event && event.request && event.request.query) || {};
      if (q.prompt === 'none') return false;
      return !NO_REDIRECT_PROTOCOLS.includes((event && event.transaction && event.transaction.protocol) || 'unknown-protocol');
    },
  };
  api.transaction = {
    setMetadata: plain('transaction.setMetadata', (key, value) => {
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw new TE('Transaction metadata values must be a string, a number or a boolean');
      }
      if (!event.transaction) event.transaction = tools.object();
      if (!event.transaction.metadata) event.transaction.metadata = tools.object();
      event.transaction.metadata[key] = value;
      state.transactionMetadata = { ...(state.transactionMetadata || {}), [key]: value };
    }),
  };
  const recorder = (bag, method, key) => plain(method, (...args) => {
    bag[key] = plainArgs(args.length === 1 ? args : [args])[0];
  });
  api.session = {
    setExpiresAt: recorder(state.session, 'session.setExpiresAt', 'expires_at'),
    setIdleExpiresAt: recorder(state.session, 'session.setIdleExpiresAt', 'idle_expires_at'),
    revoke: recorder(state.session, 'session.revoke', 'revoked'),
    setCookieMode: recorder(state.session, 'session.setCookieMode', 'cookie_mode'),
    setMetadata: recorder(state.session, 'session.setMetadata', 'metadata'),
    deleteMetadata: recorder(state.session, 'session.deleteMetadata', 'metadata_deleted'),
    evictMetadata: recorder(state.session, 'session.evictMetadata', 'metadata_evicted'),
  };
  api.refreshToken = {
    setExpiresAt: recorder(state.refreshToken, 'refreshToken.setExpiresAt', 'expires_at'),
    setIdleExpiresAt: recorder(state.refreshToken, 'refreshToken.setIdleExpiresAt', 'idle_expires_at'),
    revoke: recorder(state.refreshToken, 'refreshToken.revoke', 'revoked'),
    setMetadata: recorder(state.refreshToken, 'refreshToken.setMetadata', 'metadata'),
    deleteMetadata: recorder(state.refreshToken, 'refreshToken.deleteMetadata', 'metadata_deleted'),
    evictMetadata: recorder(state.refreshToken, 'refreshToken.evictMetadata', 'metadata_evicted'),
  };
  api.samlResponse = {};
  for (const method of SAML_SETTERS) {
    api.samlResponse[method] = chain(`samlResponse.${method}`, (...args) => {
      const key = method === 'setAttribute' ? `attribute:${args[0]}` : method.slice(3, 4).toLowerCase() + method.slice(4);
      state.saml[key] = plainArgs([method === 'setAttribute' ? args[1] : args[0]])[0];
    });
  }
  api.prompt = {
    render: plain('prompt.render', (id, options) => {
      if (state.redirect) throw new E('Redirect and render commands cannot be used in the same action.');
      state.prompt = { id, options: plainArgs([options || {}])[0] };
    }),
  };
  const emulated = (method, value) => async (...args) => {
    record(state, method, args);
    warnOnce(state, `api.${method} reads the tenant's data, which a local run does not have: it answers ${JSON.stringify(value)}`);
    return tools.parse(JSON.stringify(value));
  };
  api.groups = {
    getUserGroups: emulated('groups.getUserGroups', { groups: [] }),
    hasGroupMembership: emulated('groups.hasGroupMembership', { memberships: {} }),
  };
  api.roles = {
    getUserEffectiveRoles: emulated('roles.getUserEffectiveRoles', { roles: [] }),
    getUserEffectiveRolesByIds: emulated('roles.getUserEffectiveRolesByIds', { roles: [] }),
    getUserEffectiveRolesByNames: emulated('roles.getUserEffectiveRolesByNames', { roles: [] }),
  };
  api.rules = { wasExecuted: () => false };
}

module.exports = { attach, signJwt, verifyJwt };
