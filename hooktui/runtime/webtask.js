'use strict';
// The hook kind of hooktui's local runtime: the webtask contract, as auth0-ext-compilers ran hooks
// on the webtask platform. Per trigger, the injected error classes and the hook's signature with
// Auth0's input checks; the webtask context; the callback (the first call decides) and the way
// the webtask adapter turned a result or an error into the envelope. sandbox.js owns the process,
// the run's vm context and its output; it hands in what a run needs through attach().

const path = require('node:path');
const util = require('node:util');
const vm = require('node:vm');


const HOOK_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname'];
const COMPILE_ERROR_MESSAGE = 'Unable to compile the extensibility code as javascript';
const USER_TRIGGERS = new Set(['pre-user-registration', 'post-user-registration', 'post-change-password']);

// The sandbox's services: complete, locate, late, cleanStack, compiled, makeRequire, describeThrown.
let sb = null;
function attach(services) {
  sb = services;
}

const preludes = new Map(); // trigger -> vm.Script defining the injected error classes

function prelude(trigger) {
  let script = preludes.get(trigger);
  if (!script) {
    script = new vm.Script(preludeSource(trigger), { filename: 'auth0-prelude.js' });
    preludes.set(trigger, script);
  }
  return script;
}

// A hook run in its prepared context: evaluate the module, check its export, build the body and
// the webtask context, and call the hook as its trigger does.
function runHook(m, run, ctx, tools, hook) {
  const ctxError = tools.Error;

  // Compiling in Auth0 meant evaluating the module: a top-level throw is a compile error too.
  let exported;
  try {
    prelude(hook.trigger).runInContext(ctx);
    const fn = sb.compiled(hook).runInContext(ctx);
    const module = tools.object();
    module.exports = tools.object();
    fn.call(module.exports, module.exports, sb.makeRequire(run), module, hook.filename, path.dirname(hook.filename));
    exported = module.exports;
  } catch (e) {
    const data = serializeErrorData(e, ctxError);
    data.error_description = data.message;
    data.message = COMPILE_ERROR_MESSAGE;
    return sb.complete(run, JSON.stringify({ status: 'error', data }), sb.locate(e, hook.filename));
  }
  if (typeof exported !== 'function') {
    const what = exported === null ? 'null' : typeof exported;
    return sb.complete(run, serializeError(new ctxError(
      `The script does not export a function (module.exports is ${what}): a hook is written as module.exports = function (...) { ... }`), ctxError), null);
  }

  let body;
  try {
    body = m.payload === undefined ? undefined : tools.parse(JSON.stringify(m.payload));
  } catch (e) {
    return sb.complete(run, serializeError(e, ctxError), null);
  }
  const webtask = tools.parse(JSON.stringify({
    secrets: m.secrets || {},
    data: m.secrets || {},
    meta: { 'auth0-extension': 'runtime', 'auth0-extension-name': hook.trigger },
    headers: {},
    query: {},
    params: {},
  }));
  webtask.body = body;

  const cb = function (err, result) {
    run.cbCalls += 1;
    if (run.cbCalls > 1) {
      if (run.done) {
        sb.late('warn', `cb was called again (call ${run.cbCalls}) after the run had finished; the first result stands`, run.id);
      }
      return;
    }
    run.firstCb = { err, result, args: arguments.length };
    // Wait for the rest of this turn of the event loop, so that a second call made right
    // after the first (a missing `return`) is seen and reported.
    setImmediate(() => settle(run, ctxError));
  };

  let invocation;
  try {
    invocation = invoke(hook.trigger, exported, body, webtask, cb, tools);
  } catch (e) {
    if (run.cbCalls === 0) {
      run.warnings.push('the hook threw instead of calling cb(err): on Auth0 an exception thrown by a hook is a webtask failure, not an error result');
      run.cbCalls = 1;
      run.firstCb = { err: e, result: undefined };
      setImmediate(() => settle(run, ctxError));
    } else if (!run.done) {
      run.warnings.push(`the hook threw after calling cb (${sb.describeThrown(e)}); the first result stands, but on Auth0 the exception could still fail the webtask`);
    }
    return;
  }
  if (invocation && typeof invocation.then === 'function') {
    invocation.then(
      (value) => {
        if (run.cbCalls === 0) run.resolvedWithoutCb = value === undefined ? 'undefined' : safeInspect(value);
      },
      (e) => {
        if (run.cbCalls === 0) {
          run.warnings.push('the hook\'s promise rejected instead of calling cb(err): on Auth0 that is an unhandled rejection that fails the webtask');
          run.cbCalls = 1;
          run.firstCb = { err: e, result: undefined };
          setImmediate(() => settle(run, ctxError));
        }
      },
    );
  }
}

// Auth0's per-trigger input checks and argument lists (auth0-ext-compilers).
function invoke(trigger, func, body, webtask, cb, tools) {
  const fail = (message) => cb(new tools.Error(message));
  if (trigger === 'credentials-exchange') {
    if (typeof body !== 'object') return fail('Body received by extensibility point is not an object');
    if (body === null || typeof body.client !== 'object') return fail('Body .client received by extensibility point is not an object');
    if (body.scope && !Array.isArray(body.scope)) return fail('Body .scope received by extensibility point is neither empty nor an array');
    if (typeof body.audience !== 'string') return fail('Body .audience received by extensibility point is not a string');
    const context = body.context !== null && typeof body.context === 'object' ? body.context : tools.object();
    context.webtask = webtask;
    return func(body.client, body.scope, body.audience, context, cb);
  }
  if (USER_TRIGGERS.has(trigger)) {
    if (!body || typeof body !== 'object') return fail('Body received by extensibility point is not an object');
    if (!body.user || typeof body.user !== 'object') return fail('Body.user received by extensibility point is not an object');
    if (!body.context || typeof body.context !== 'object') return fail('Body.context received by extensibility point is not an object');
    if (!body.context.connection || typeof body.context.connection !== 'object') {
      return fail('Body.context.connection received by extensibility point is not an object');
    }
    const context = tools.assign(tools.object(), body.context, { webtask });
    return func(body.user, context, (e, d) => cb(e, e ? undefined : (d || tools.object())));
  }
  if (trigger === 'send-phone-message') {
    if (!body || typeof body !== 'object') return fail('Body received by extensibility point is not an object');
    if (typeof body.recipient !== 'string') return fail('Body.recipient received by extensibility point is not a string');
    if (typeof body.text !== 'string') return fail('Body.text received by extensibility point is not a string');
    const c = body.context;
    if (!c || typeof c !== 'object') return fail('Body.context received by extensibility point is not an object');
    if (c.message_type !== 'sms' && c.message_type !== 'voice') {
      return fail('Body.context.message_type received by extensibility point is not `sms` or `voice`');
    }
    if (c.action !== 'enrollment' && c.action !== 'second-factor-authentication') {
      return fail('Body.context.action received by extensibility point is not `enrollment` or `second-factor-authentication`');
    }
    for (const key of ['language', 'code', 'ip', 'user_agent']) {
      if (typeof c[key] !== 'string') return fail(`Body.context.${key} received by extensibility point is not a string`);
    }
    if (c.client !== undefined) {
      if (!c.client || typeof c.client !== 'object') return fail('Body.context.client received by extensibility point is not an object');
      if (typeof c.client.client_id !== 'string') return fail('Body.context.client.client_id received by extensibility point is not a string');
      if (typeof c.client.name !== 'string') return fail('Body.context.client.name received by extensibility point is not a string');
      if (c.client.client_metadata !== undefined && typeof c.client.client_metadata !== 'object') {
        return fail('Body.context.client.client_metadata received by extensibility point is not an object');
      }
    }
    if (typeof c.user !== 'object') return fail('Body.context.user received by extensibility point is not an object');
    c.webtask = webtask;
    return func(body.recipient, body.text, c, cb);
  }
  return fail(`Unknown extensibility point ${JSON.stringify(trigger)}`);
}

// The first cb call decides the result; serialise it as the webtask adapter did.
function settle(run, ctxError) {
  if (run.done) return;
  const { err, result } = run.firstCb;
  if (run.cbCalls > 1) {
    run.warnings.push(`cb was called ${run.cbCalls} times; the first result stands (a missing \`return\` before cb?)`);
  }
  let envelopeJson;
  let location = null;
  if (err) {
    envelopeJson = serializeError(err, ctxError);
    location = sb.locate(err, run.hook.filename);
  } else {
    try {
      envelopeJson = JSON.stringify({ status: 'success', data: result });
    } catch (e) {
      envelopeJson = serializeError(new Error('Error when JSON serializing the result of the extension point'), Error);
      run.warnings.push(`the result cannot be turned into JSON: ${e.message}`);
    }
  }
  sb.complete(run, envelopeJson, location);
}

// The webtask adapter's respondWithError: a non-Error becomes an Error, then every own property
// of the error goes into data.
function serializeErrorData(error, ctxError) {
  if (!(error instanceof ctxError || error instanceof Error)) {
    const message = (error !== null && error !== undefined && error.message) || String(error) || 'Unknown error';
    error = new ctxError(message);
  }
  const data = {};
  for (const key of Object.getOwnPropertyNames(error)) {
    data[key] = key === 'stack' && typeof error[key] === 'string' ? sb.cleanStack(error[key]) : error[key];
  }
  return data;
}

function serializeError(error, ctxError) {
  const data = serializeErrorData(error, ctxError);
  try {
    return JSON.stringify({ status: 'error', data });
  } catch (e) {
    return serializeError(new Error('Error serializing error: ' + e.message), Error);
  }
}

function safeInspect(value) {
  try {
    return util.inspect(value, { depth: 2, breakLength: Infinity }).slice(0, 200);
  } catch (e) {
    return '<value>';
  }
}

// The error classes auth0-ext-compilers put in front of every script, per extensibility point.
function preludeSource(trigger) {
  const base = `
class ExtensibilityUserError extends Error {
  constructor(message) { super(message); this.name = this.constructor.name; }
}
globalThis.ExtensibilityUserError = ExtensibilityUserError;`;
  const simple = (name) => `
globalThis.${name} = class ${name} extends ExtensibilityUserError { constructor(message) { super(message); } };`;
  const friendly = (name) => `
globalThis.${name} = class ${name} extends ExtensibilityUserError {
  constructor(message, friendlyMessage) { super(message); this.friendlyMessage = friendlyMessage || message; }
};`;
  if (trigger === 'credentials-exchange') {
    return base + simple('InvalidRequestError') + simple('InvalidScopeError') + simple('ServerError');
  }
  if (USER_TRIGGERS.has(trigger)) return base + friendly('PreUserRegistrationError');
  if (trigger === 'send-phone-message') return base + friendly('SendPhoneMessageError');
  return base;
}

module.exports = { HOOK_PARAMS, COMPILE_ERROR_MESSAGE, attach, runHook, serializeError, serializeErrorData };
