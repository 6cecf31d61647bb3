'use strict';
// The Actions half of hooktui's local runtime, loaded by action_run.js: per trigger, the handler
// lookup of Auth0's loader, the `api` object with Auth0's own validations (from @auth0/actions,
// github.com/auth0/auth0-actions), the commands an action issued in order, the warnings for what
// Auth0 would refuse or drop silently, and the outcome: what the transaction becomes.
//
// Everything here is plain data in and out: the sandbox hands in the event (already built in the
// action's realm), the secrets and the cache; it gets back {commands, outcome, warnings, carry,
// cache}. Errors thrown at the action are made with the action's own Error classes, so that
// `e instanceof Error` holds in its code as on Auth0.

const postLoginApi = require('./post_login_api.js');

const TRIGGERS = {
  'post-login': { version: 'v3', entrypoints: ['onExecutePostLogin', 'onContinuePostLogin'] },
  'credentials-exchange': { version: 'v2', entrypoints: ['onExecuteCredentialsExchange'] },
  'pre-user-registration': { version: 'v2', entrypoints: ['onExecutePreUserRegistration', 'onContinuePreUserRegistration'] },
  'post-user-registration': { version: 'v2', entrypoints: ['onExecutePostUserRegistration'] },
  'post-change-password': { version: 'v2', entrypoints: ['onExecutePostChangePassword'] },
  'send-phone-message': { version: 'v2', entrypoints: ['onExecuteSendPhoneMessage'] },
};

// What Auth0 always puts in the event of each trigger; a local event without it is a mistake
// of the sample, reported as a warning (the action may still run).
const EVENT_FIELDS = {
  'post-login': ['user', 'client', 'connection', 'request', 'tenant', 'transaction'],
  'credentials-exchange': ['client', 'accessToken', 'resource_server', 'request', 'tenant', 'transaction'],
  'pre-user-registration': ['user', 'connection', 'request', 'tenant'],
  'post-user-registration': ['user', 'connection', 'request', 'tenant'],
  'post-change-password': ['user', 'connection', 'request', 'tenant'],
  'send-phone-message': ['message_options', 'user', 'request', 'tenant'],
};

// Claims Auth0 owns: "the transaction won't fail, but your custom claim won't be added"
// (secure/tokens/json-web-tokens/create-custom-claims).
const RESTRICTED_CLAIMS = new Set(['acr', 'act', 'active', 'amr', 'at_hash', 'ath', 'attest', 'aud', 'auth_time',
  'authorization_details', 'azp', 'c_hash', 'client_id', 'cnf', 'cty', 'dest', 'entitlements', 'events', 'exp',
  'groups', 'gty', 'htm', 'htu', 'iat', 'internalService', 'iss', 'jcard', 'jku', 'jti', 'jwe', 'jwk', 'kid',
  'may_act', 'mky', 'nbf', 'nonce', 'object_id', 'org_id', 'org_name', 'orig', 'origid', 'permissions', 'roles',
  'rph', 's_hash', 'sid', 'sip_callid', 'sip_cseq_num', 'sip_date', 'sip_from_tag', 'sip_via_branch', 'sub',
  'sub_jwk', 'toe', 'txn', 'typ', 'uuid', 'vot', 'vtm', 'x5t#S256']);
const RESERVED_NAMESPACES = /^https?:\/\/([^/]*\.)?(auth0\.com|webtask\.io|webtask\.run)(\/|$)/i;
const MAX_CLAIMS_BYTES = 100 * 1024;
// app_metadata fields Auth0 keeps for itself (manage-users/user-accounts/metadata/metadata-fields-data).
const RESERVED_APP_METADATA = new Set(['__tenant', '_id', 'blocked', 'clientID', 'created_at', 'email_verified', 'email',
  'globalClientID', 'global_client_id', 'identities', 'lastIP', 'lastLogin', 'loginsCount', 'metadata', 'multifactor',
  'name', 'nickname', 'permissions', 'picture', 'role', 'roles', 'updated_at', 'user_id']);
const MAX_METADATA_BYTES = 16 * 1024;
const CCE_DENY_CODES = new Set(['invalid_scope', 'invalid_request', 'server_error']);
const MAX_SCOPE_LENGTH = 280;
const MAX_USER_ID_LENGTH = 128;
// api.cache: customize/actions/limitations ("cache" section); AA's local stub allows 16 kB in total.
const CACHE = { ttlMs: 15 * 60 * 1000, maxTtlMs: 24 * 60 * 60 * 1000, keyBytes: 64, valueBytes: 4096, totalBytes: 8192, sideEffects: 20 };

// -- the handler, as Auth0's loader finds it -----------------------------------------------------

function handlerOf(exported, trigger, entrypoint, ctxError) {
  const info = TRIGGERS[trigger];
  if (typeof exported !== 'object' || exported === null) throw new ctxError('The Action must export an object.');
  const name = entrypoint || info.entrypoints[0];
  if (!info.entrypoints.includes(name)) throw new ctxError('The Action can only be called with valid methods.');
  const fn = exported[name];
  if (!(fn && typeof fn === 'function' && fn.constructor && fn.constructor.name === 'AsyncFunction')) {
    throw new ctxError(`Invalid function signature for the ${JSON.stringify(name)} handler. Use "exports.${name} = async function(event, api) { }" as the signature.`);
  }
  return fn;
}

function eventWarnings(trigger, event) {
  const out = [];
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    return [`the event is not an object: Auth0 always passes an object to ${TRIGGERS[trigger].entrypoints[0]}`];
  }
  const missing = EVENT_FIELDS[trigger].filter((k) => event[k] === undefined);
  if (missing.length) {
    out.push(`the event has no ${missing.map((k) => 'event.' + k).join(', ')}: Auth0 always sends ${missing.length > 1 ? 'them' : 'it'} to ${trigger} actions (start from a sample event)`);
  }
  return out;
}

// -- one execution's state -----------------------------------------------------------------------

function newState(trigger, cache) {
  return {
    trigger,
    commands: [],
    warnings: [],
    denied: null,
    accessClaims: {},
    idClaims: {},
    userMetadata: {},
    appMetadata: {},
    scopes: { added: [], removed: [] },
    multifactor: null,
    redirect: null,
    validation: null,
    userId: null,
    primaryUser: null,
    challenge: null,
    targetScopes: null,
    transactionMetadata: null,
    session: {},
    refreshToken: {},
    saml: {},
    prompt: null,
    cache: cache && typeof cache === 'object' ? cache : {},
    sideEffects: 0,
  };
}

// Arguments as JSON, the way a command log keeps them; a secret passed to the redirect token
// helpers never goes into it.
function plainArgs(args, secretKeys) {
  const out = [];
  for (const a of args) {
    let v;
    try {
      v = a === undefined ? null : JSON.parse(JSON.stringify(a));
    } catch (e) {
      v = String(a);
    }
    if (secretKeys && v && typeof v === 'object' && !Array.isArray(v)) {
      for (const k of secretKeys) if (k in v) v[k] = '[secret]';
    }
    out.push(v === undefined ? null : v);
  }
  return out;
}

function record(state, method, args, secretKeys) {
  state.commands.push({ method, args: plainArgs(args, secretKeys) });
}

function warnOnce(state, text) {
  if (!state.warnings.includes(text)) state.warnings.push(text);
}

// -- shared checks -------------------------------------------------------------------------------

function checkClaim(state, token, key, value, event) {
  const where = token === 'accessToken' ? 'access token' : 'ID token';
  if (typeof key !== 'string' || key === '') {
    warnOnce(state, `api.${token}.setCustomClaim(${JSON.stringify(key)}): a claim name must be a non-empty string; Auth0 drops it`);
    return false;
  }
  if (RESTRICTED_CLAIMS.has(key)) {
    warnOnce(state, `"${key}" is a claim Auth0 sets itself: it is not added to the ${where} ("the transaction won't fail, but your custom claim won't be added")`);
    return false;
  }
  if (key.startsWith('urn:auth0') || RESERVED_NAMESPACES.test(key)) {
    warnOnce(state, `"${key}" is in a namespace Auth0 reserves (auth0.com, webtask.io, webtask.run, urn:auth0): it is not added to the ${where}`);
    return false;
  }
  if (token === 'accessToken' && !/^https?:\/\//i.test(key)) {
    const audience = event && event.resource_server && event.resource_server.identifier;
    if (typeof audience === 'string' && /(^|\/\/|\.)auth0\.com\/(api\/v2|userinfo)\/?$/i.test(audience)) {
      warnOnce(state, `"${key}" is not namespaced: Auth0 drops non-namespaced claims from access tokens for its own APIs (${audience}); use a URL such as https://example.com/${key}`);
      return false;
    }
  }
  if (value === undefined) {
    warnOnce(state, `api.${token}.setCustomClaim("${key}", undefined): a claim without a value is not added`);
    return false;
  }
  return true;
}

function claimsSize(state, claims, token) {
  let size = 0;
  try {
    size = Buffer.byteLength(JSON.stringify(claims), 'utf8');
  } catch (e) {
    warnOnce(state, `the custom claims of the ${token} cannot be serialised as JSON: ${e.message}`);
    return;
  }
  if (size > MAX_CLAIMS_BYTES) {
    warnOnce(state, `the custom claims of the ${token} take ${size} bytes: Auth0 limits them to 100 KB and fails the transaction beyond`);
  }
}

function metadataCheck(state, kind, key, value) {
  const method = kind === 'app' ? 'setAppMetadata' : 'setUserMetadata';
  if (typeof key !== 'string' || key === '') {
    warnOnce(state, `api.user.${method}(${JSON.stringify(key)}): a metadata key must be a non-empty string; Auth0 refuses the profile update`);
    return false;
  }
  if (key.includes('.') || key.startsWith('$')) {
    warnOnce(state, `api.user.${method}("${key}"): Auth0 refuses metadata keys that contain "." or start with "$"; the profile update fails`);
    return false;
  }
  if (kind === 'app' && RESERVED_APP_METADATA.has(key)) {
    warnOnce(state, `api.user.setAppMetadata("${key}"): "${key}" is a field Auth0 keeps for itself in app_metadata; it refuses the update`);
    return false;
  }
  if (value === undefined) {
    warnOnce(state, `api.user.${method}("${key}", undefined): JSON has no undefined, so nothing is written; pass null to delete the key`);
  }
  return true;
}

function metadataSize(state, bag, kind) {
  const size = Buffer.byteLength(JSON.stringify(bag) || '', 'utf8');
  if (size > MAX_METADATA_BYTES) {
    warnOnce(state, `the ${kind}_metadata written by this execution takes ${size} bytes: Auth0 limits each metadata object to 16 KB`);
  }
}

// The codec errors of @auth0/actions, in its words ("errorCode must NOT have more than 100 characters").
function validationCheck(errorCode, errorMessage, prefix, ctxError) {
  const problems = [];
  for (const [name, v] of [['errorCode', errorCode], ['errorMessage', errorMessage]]) {
    if (v === undefined) problems.push(` must have required property '${name}'`);
    else if (typeof v !== 'string') problems.push(`${name} must be string`);
    else if ([...v].length > 100) problems.push(`${name} must NOT have more than 100 characters`);
  }
  if (problems.length) throw new ctxError((prefix ? prefix + ': ' : '') + problems.join('; '));
}

function assertScope(scope, ctxError, ctxTypeError) {
  if (typeof scope !== 'string') throw new ctxTypeError('The value for the scope must be a string.');
  const s = scope.trim();
  if (s.length === 0) throw new ctxError('The value for the scope is required.');
  if (s.length > MAX_SCOPE_LENGTH) throw new ctxError(`The value for the scope exceeds the allowed maximum of ${MAX_SCOPE_LENGTH} characters.`);
  if (/\s/.test(s)) throw new ctxError('The value for the scope must not have whitespace.');
  return s;
}

// -- api.cache -----------------------------------------------------------------------------------

function cacheApi(state, tools) {
  const data = state.cache;
  const live = (key) => {
    const r = Object.prototype.hasOwnProperty.call(data, key) ? data[key] : undefined;
    if (r && r.expires_at < Date.now()) {
      delete data[key];
      return undefined;
    }
    return r;
  };
  const used = () => {
    let n = 0;
    for (const [k, r] of Object.entries(data)) if (r.expires_at >= Date.now()) n += Buffer.byteLength(k + r.value, 'utf8');
    return n;
  };
  const result = (obj) => tools.parse(JSON.stringify(obj));
  return {
    get(key) {
      record(state, 'cache.get', [key]);
      const r = live(String(key));
      return r === undefined ? undefined : result({ value: r.value, expires_at: r.expires_at });
    },
    set(key, value, options) {
      record(state, 'cache.set', [key, value, options]);
      const fail = (code) => {
        warnOnce(state, `api.cache.set(${JSON.stringify(String(key)).slice(0, 80)}) failed with ${code}`);
        return result({ type: 'error', code });
      };
      if (state.sideEffects >= CACHE.sideEffects) return fail('MaxSideEffectsExceeded');
      const k = String(key);
      const keyBytes = Buffer.byteLength(k, 'utf8');
      const valueBytes = Buffer.byteLength(value, 'utf8'); // a non-string throws TypeError, as on Auth0
      if (keyBytes > CACHE.keyBytes) return fail('CacheKeySizeExceeded');
      if (valueBytes > CACHE.valueBytes) return fail('CacheValueSizeExceeded');
      const previous = live(k);
      const others = used() - (previous ? Buffer.byteLength(k + previous.value, 'utf8') : 0);
      if (others + keyBytes + valueBytes > CACHE.totalBytes) return fail('CacheSizeExceeded');
      const now = Date.now();
      let expires;
      const ttl = options && options.ttl;
      if (ttl !== undefined) {
        if (typeof ttl !== 'number' || !Number.isFinite(ttl)) return fail('InvalidExpiry');
        expires = now + Math.floor(ttl);
      }
      const at = options && options.expires_at;
      if (at !== undefined) {
        if (typeof at !== 'number' || !Number.isFinite(at)) return fail('InvalidExpiry');
        expires = expires === undefined ? Math.floor(at) : Math.min(expires, Math.floor(at));
      }
      if (expires === undefined) expires = now + CACHE.ttlMs;
      if (expires <= now) return fail('ItemAlreadyExpired');
      if (!Number.isSafeInteger(expires)) return fail('InvalidExpiry');
      if (expires > now + CACHE.maxTtlMs) {
        warnOnce(state, `api.cache.set("${k}"): Auth0 keeps cache entries at most 24 hours; this one was capped`);
        expires = now + CACHE.maxTtlMs;
      }
      state.sideEffects += 1;
      data[k] = { value, expires_at: expires };
      return result({ type: 'success', record: { value, expires_at: expires } });
    },
    delete(key) {
      record(state, 'cache.delete', [key]);
      const k = String(key);
      if (live(k) === undefined) return result({ type: 'error', code: 'CacheKeyDoesNotExist' });
      if (state.sideEffects >= CACHE.sideEffects) return result({ type: 'error', code: 'MaxSideEffectsExceeded' });
      state.sideEffects += 1;
      delete data[k];
      return result({ type: 'success' });
    },
  };
}

// -- the api object per trigger -------------------------------------------------------------------

function makeApi(trigger, event, state, tools) {
  const E = tools.Error;
  const TE = tools.TypeError;
  const api = {};
  const chain = (method, fn, secretKeys) => (...args) => {
    record(state, method, args, secretKeys);
    fn(...args);
    return api;
  };
  const plain = (method, fn, secretKeys) => (...args) => {
    record(state, method, args, secretKeys);
    return fn(...args);
  };
  api.cache = cacheApi(state, tools);

  const setClaim = (token, bag) => (key, value) => {
    // @auth0/actions refuses it on both tokens of post-login; its credentials-exchange API has no
    // such check, and Auth0 keeps the token's own scope there.
    if (key === 'scope' && trigger === 'post-login') throw new E('The "scope" claim cannot be set.');
    if (key === 'scope' && trigger === 'credentials-exchange') {
      warnOnce(state, '"scope" cannot be set as a claim: Auth0 keeps the token\'s scope to what was granted (use api.transaction target scopes)');
      return;
    }
    if (checkClaim(state, token, key, value, event)) {
      bag[key] = value;
      claimsSize(state, bag, token === 'accessToken' ? 'access token' : 'ID token');
    }
  };

  const setMetadata = (kind) => (key, value) => {
    if (trigger === 'post-login') {
      const current = event && event.user && event.user[kind + '_metadata'];
      if (current === null || typeof current !== 'object' || Array.isArray(current)) {
        throw new E(kind === 'app' ? 'Unexpected app_metadata format. Must be a valid JSON object' : 'Unexpected user_metadata format. Must be a valid JSON object.');
      }
    }
    if (!metadataCheck(state, kind, key, value)) return;
    if (value === undefined) return;
    const strategy = trigger === 'pre-user-registration' && event && event.connection && event.connection.strategy;
    if (strategy === 'email' || strategy === 'sms') {
      warnOnce(state, `api.user.set${kind === 'app' ? 'App' : 'User'}Metadata on a passwordless (${strategy}) sign-up: "You cannot currently use pre-user-registration Actions to add metadata to passwordless users"; Auth0 does not write it`);
      return;
    }
    const bag = kind === 'app' ? state.appMetadata : state.userMetadata;
    bag[key] = value === null ? null : JSON.parse(JSON.stringify(value));
    metadataSize(state, bag, kind);
  };

  if (trigger === 'post-login') {
    postLoginApi.attach(api, event, state, tools,
      { chain, plain, setClaim, setMetadata, record, warnOnce, plainArgs, assertScope, validationCheck, MAX_USER_ID_LENGTH });
  } else if (trigger === 'credentials-exchange') {
    api.access = {
      deny: chain('access.deny', (code, reason) => {
        if (!CCE_DENY_CODES.has(code)) {
          warnOnce(state, `api.access.deny(${JSON.stringify(code)}): Auth0 answers only invalid_scope, invalid_request or server_error here`);
        }
        state.denied = { code: code === undefined ? null : String(code), reason: reason === undefined ? null : String(reason), user_message: null };
      }),
    };
    api.accessToken = { setCustomClaim: chain('accessToken.setCustomClaim', setClaim('accessToken', state.accessClaims)) };
    const target = () => {
      if (state.targetScopes === null) {
        const t = event && event.transaction;
        const start = (t && Array.isArray(t.target_scopes) && t.target_scopes) || (event && event.accessToken && event.accessToken.scope) || [];
        state.targetScopes = [...start];
      }
      return state.targetScopes;
    };
    const sync = () => {
      if (event.transaction && typeof event.transaction === 'object') event.transaction.target_scopes = tools.parse(JSON.stringify(state.targetScopes));
      warnOnce(state, 'target scopes (Early Access) are intersected with the client grant after all actions: scopes outside the grant are dropped silently');
    };
    api.transaction = {
      addTargetScope: plain('transaction.addTargetScope', (scope) => {
        const s = assertScope(scope, E, TE);
        if (!target().includes(s)) state.targetScopes.push(s);
        sync();
      }),
      removeTargetScope: plain('transaction.removeTargetScope', (scope) => {
        const s = assertScope(scope, E, TE);
        state.targetScopes = target().filter((x) => x !== s);
        sync();
      }),
      setTargetScopes: plain('transaction.setTargetScopes', (scopes) => {
        if (!Array.isArray(scopes)) throw new TE('The scopes must be an array of strings.');
        state.targetScopes = [...new Set(scopes.map((s) => assertScope(s, E, TE)))];
        sync();
      }),
      clearTargetScopes: plain('transaction.clearTargetScopes', () => {
        state.targetScopes = [];
        sync();
      }),
    };
  } else if (trigger === 'pre-user-registration') {
    api.access = {
      deny: chain('access.deny', (reason, userMessage) => {
        state.denied = {
          code: 'extensibility_error',
          reason: reason === undefined ? null : String(reason),
          user_message: userMessage === undefined ? null : String(userMessage),
        };
      }),
    };
    api.user = {
      setUserMetadata: chain('user.setUserMetadata', setMetadata('user')),
      setAppMetadata: chain('user.setAppMetadata', setMetadata('app')),
      setUserId: chain('user.setUserId', (id) => {
        if (typeof id !== 'string' || id.length === 0) throw new E('Invalid setUserId arguments: user_id must be string');
        if (id.length > MAX_USER_ID_LENGTH) throw new E('Invalid setUserId arguments: user_id must NOT have more than 128 characters');
        state.userId = id;
      }),
    };
    api.validation = {
      error: chain('validation.error', (code, message) => {
        validationCheck(code, message, 'Failed to add validation error', E);
        state.validation = { code, message };
      }),
    };
  }
  // post-user-registration, post-change-password and send-phone-message: api.cache only.
  return api;
}

// -- the outcome ---------------------------------------------------------------------------------

function denialResponse(trigger, denied) {
  if (!denied) return null;
  if (trigger === 'post-login') return { redirect_to_callback: { error: 'access_denied', error_description: denied.reason } };
  if (trigger === 'credentials-exchange') return { body: { error: denied.code, error_description: denied.reason } };
  if (trigger === 'pre-user-registration') {
    return { status: 400, body: { name: 'InternalExtensibilityError', statusCode: 400, code: 'extensibility_error',
      message: denied.reason, friendly_message: denied.user_message, description: denied.reason, fromSandbox: true } };
  }
  return null;
}

function outcome(trigger, state) {
  const denied = state.denied ? { ...state.denied, response: denialResponse(trigger, state.denied) } : null;
  if (trigger === 'post-login') {
    return {
      denied,
      access_token_claims: state.accessClaims,
      id_token_claims: state.idClaims,
      user_metadata: state.userMetadata,
      app_metadata: state.appMetadata,
      scopes: state.scopes,
      multifactor: state.multifactor,
      redirect: state.redirect,
      validation_error: state.validation,
      challenge: state.challenge,
      primary_user: state.primaryUser,
      transaction_metadata: state.transactionMetadata,
      session: Object.keys(state.session).length ? state.session : null,
      refresh_token: Object.keys(state.refreshToken).length ? state.refreshToken : null,
      saml: Object.keys(state.saml).length ? state.saml : null,
      prompt: state.prompt,
    };
  }
  if (trigger === 'credentials-exchange') {
    return { denied, access_token_claims: state.accessClaims, target_scopes: state.targetScopes };
  }
  if (trigger === 'pre-user-registration') {
    return { denied, user_metadata: state.userMetadata, app_metadata: state.appMetadata, user_id: state.userId,
      validation_error: state.validation };
  }
  return { denied: null };
}

// What the next action of the flow sees of this one's work, as a patch of its event: transaction
// metadata (post-login) and target scopes (credentials-exchange). Metadata and claims are not
// visible to later actions' events: Auth0 batches them to the end of the trigger.
function carry(trigger, state) {
  const out = {};
  if (trigger === 'post-login' && state.transactionMetadata) out['transaction.metadata'] = state.transactionMetadata;
  if (trigger === 'credentials-exchange' && state.targetScopes !== null) out['transaction.target_scopes'] = state.targetScopes;
  return out;
}

// signJwt and verifyJwt live with post-login's api.redirect; they stay importable from here.
const { signJwt, verifyJwt } = postLoginApi;
module.exports = { TRIGGERS, handlerOf, eventWarnings, newState, makeApi, outcome, carry, signJwt, verifyJwt };
