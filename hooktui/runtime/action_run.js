'use strict';
// The actions kind's run inside a sandbox: Auth0's loader (the handler must be an async function,
// awaited; a throw or a rejection is the failure), its event and api (actions_api.js), and its
// module scope, kept across the runs of this process as node22 keeps it per instance
// (action_scope.js). sandbox.js owns the process and hands in what a run needs through attach().

const vm = require('node:vm');

// The sandbox's services and state: assigned, current, lastRunId (accessors), scripts, contextTools,
// stringify, takeSpare, prepare, freshRun, createRunContext, complete, locate, cleanStack,
// makeRequire, describeThrown.
let sb = null;
function attach(services) {
  sb = services;
}


let actionsApi = null;
let actionScope = null;
function actionModules() {
  if (actionsApi === null) {
    actionsApi = require('./actions_api.js');
    actionScope = require('./action_scope.js');
  }
}

// @auth0/actions' harness: "The 256kb is also implemented in Actions"; Auth0's execution log
// keeps the first 256 characters of each action's output (customize/actions/limitations).
const ACTION_LOG_BYTES = 256 * 1024;
const PERSISTED_LOG_CHARS = 256;
let moduleScope = null; // the scope this process keeps for its action version
let actionWantsSpare = false;
let idleRun = null;
// The module scope outlives its runs: its console, timers and listeners act for the run going
// on when they are called (between runs, output is late output).
const liveRun = new Proxy({}, {
  get(_, prop) {
    return (sb.current || idle())[prop];
  },
  set(_, prop, value) {
    (sb.current || idle())[prop] = value;
    return true;
  },
});

function idle() {
  if (idleRun === null) idleRun = { idle: true, id: null, logs: 0, logLimit: Infinity, dropped: 0, timers: new Set(), listeners: [] };
  return idleRun;
}

// True when the line is past the run's output cap (then it is only counted).
function keepActionLog(run, text) {
  const bytes = Buffer.byteLength(text, 'utf8') + 1;
  if (run.logBytes + bytes > ACTION_LOG_BYTES) {
    if (!run.bytesCapped) {
      run.bytesCapped = true;
      run.warnings.push(`the action wrote more than ${ACTION_LOG_BYTES / 1024} KiB of console output in one execution: Auth0 keeps no more, and neither does hooktui`);
    }
    run.dropped += 1;
    return true;
  }
  run.logBytes += bytes;
  run.logChars += text.length + 1;
  if (run.kept.length < PERSISTED_LOG_CHARS) run.kept = (run.kept + text + '\n').slice(0, PERSISTED_LOG_CHARS);
  return false;
}

function compiledAction(action) {
  const cached = sb.scripts.get(action.name);
  if (cached && cached.version === action.version) return cached.script;
  sb.scripts.clear();
  const names = actionScope.topLevelNames(action.source);
  const script = new vm.Script(actionScope.wrapperSource(action.source, names), { filename: action.filename, lineOffset: -1 });
  sb.scripts.set(action.name, { version: action.version, script });
  return script;
}

function newScope(ctx, tools) {
  return { version: sb.assigned.version, ctx, tools, baseGlobals: new Set(Object.keys(ctx)), initialized: false, error: null,
    module: null, reader: null, prints: null };
}

// The first run of a scope evaluates the module, so its top-level output belongs to that run,
// as with Auth0's lazy initialisation. A top-level throw fails this run and every later one.
function initScope(scope, run) {
  scope.initialized = true;
  const tools = scope.tools;
  const module = tools.object();
  module.exports = tools.object();
  scope.module = module;
  try {
    const fn = compiledAction(sb.assigned).runInContext(scope.ctx);
    fn.call(module.exports, module.exports, sb.makeRequire(run), module, scope.ctx.console, (reader) => {
      if (scope.reader === null) scope.reader = reader;
    });
  } catch (e) {
    scope.error = e === undefined || e === null ? new tools.Error('Unknown error') : e;
  }
  if (!scope.error) scope.prints = readScope(scope);
}

function readScope(scope) {
  const out = {};
  if (scope.reader !== null) {
    let values = {};
    try {
      values = scope.reader();
    } catch (e) {
      values = {};
    }
    for (const name of Object.keys(values)) {
      if (typeof values[name] !== 'function') out[name] = actionScope.fingerprint(values[name]);
    }
  }
  for (const key of Object.keys(scope.ctx)) {
    if (scope.baseGlobals.has(key)) continue;
    let value;
    try {
      value = scope.ctx[key];
    } catch (e) {
      continue;
    }
    if (typeof value !== 'function') out['global.' + key] = actionScope.fingerprint(value);
  }
  return out;
}

function actionError(e, tools) {
  let err = e;
  if (err === undefined || err === null || err === false || err === '') err = new tools.Error('Unknown error');
  else if (typeof err !== 'object' || typeof err.message !== 'string') err = new tools.Error(String(err));
  let stack = null;
  try {
    stack = typeof err.stack === 'string' ? sb.cleanStack(err.stack) : null;
  } catch (x) {
    stack = null;
  }
  let name = 'Error';
  try {
    name = String(err.name || (err.constructor && err.constructor.name) || 'Error');
  } catch (x) {
    name = 'Error';
  }
  return { name, message: String(err.message), stack, code: typeof err.code === 'string' ? err.code : undefined };
}

// `line`: the request as it came, when there is one (the warm-up run has none).
function startAction(m, line) {
  const action = sb.assigned;
  sb.lastRunId = m.id;
  const startedAt = process.hrtime.bigint();
  const fresh = Boolean(m.freshScope);
  actionWantsSpare = fresh;
  let run;
  let scope;
  try {
    actionModules();
    if (fresh) {
      const prepared = sb.takeSpare() || sb.prepare();
      run = prepared.run;
      scope = newScope(prepared.ctx, prepared.tools);
    } else {
      run = sb.freshRun();
      if (moduleScope === null || moduleScope.version !== action.version) {
        const ctx = sb.createRunContext(liveRun);
        moduleScope = newScope(ctx, sb.contextTools.runInContext(ctx));
      }
      scope = moduleScope;
    }
  } catch (e) {
    run = Object.assign(sb.freshRun(), { id: m.id, hook: action, startedAt, kept: '', logChars: 0 });
    return sb.complete(run, JSON.stringify({ status: 'error', data: { message: 'hooktui could not prepare the action: ' + sb.describeThrown(e) } }), null);
  }
  Object.assign(run, { id: m.id, hook: action, logLimit: m.logLimit || 1000, startedAt, kept: '', logChars: 0, logBytes: 0 });
  sb.current = run;
  const tools = scope.tools;
  const state = actionsApi.newState(action.trigger, m.cache);
  const firstRun = !scope.initialized;
  if (firstRun) initScope(scope, run);
  const ctx = { run, scope, state, fresh, firstRun, tools };
  if (scope.error) return finishAction(ctx, scope.error);
  let handler;
  let event;
  let secrets;
  try {
    handler = actionsApi.handlerOf(scope.module.exports, action.trigger, m.entrypoint, tools.Error);
    // The event and secrets are made in the action's realm. Parsing the request line there once
    // costs less than copying them over (stringify + parse: ~20 µs of a post-login run); the
    // sandbox's own parse of the line still decides everything else about the run.
    const inRealm = line === undefined ? null : tools.parse(line);
    event = inRealm === null ? tools.parse(JSON.stringify(m.event === undefined ? {} : m.event))
      : inRealm.event === undefined ? tools.parse('{}') : inRealm.event;
    secrets = inRealm === null ? tools.parse(JSON.stringify(m.secrets || {})) : inRealm.secrets || tools.parse('{}');
  } catch (e) {
    return finishAction(ctx, e);
  }
  if (event !== null && typeof event === 'object') event.secrets = secrets;
  state.warnings.push(...actionsApi.eventWarnings(action.trigger, event));
  let promise;
  try {
    promise = handler(event, actionsApi.makeApi(action.trigger, event, state, tools));
  } catch (e) {
    return finishAction(ctx, e);
  }
  Promise.resolve(promise).then(() => finishAction(ctx, null), (e) => finishAction(ctx, e === undefined ? null : e, true));
}

function finishAction({ run, scope, state, fresh, firstRun, tools }, thrown, rejected) {
  if (run.done) return;
  const failed = thrown !== null || rejected === true;
  const error = failed ? actionError(thrown, tools) : null;
  const trigger = run.hook.trigger;
  if (!scope.error) {
    const now = readScope(scope);
    const changed = scope.prints === null ? [] : actionScope.changes(scope.prints, now);
    scope.prints = now;
    if (changed.length) {
      const list = changed.slice(0, 5).map((c) => `${c.name} (${c.before} -> ${c.after})`).join(', ') + (changed.length > 5 ? `, and ${changed.length - 5} more` : '');
      run.warnings.push(`module-level state changed during this run: ${list}. On Auth0 (node22) the module scope of a deployed version ` +
        `is reused across executions, so the next execution, possibly another user's, ${fresh ? 'would start' : 'starts'} with these values; ` +
        'keep per-execution data inside the handler (or in api.cache)');
    }
  }
  if (failed && state.commands.length) {
    run.warnings.push(`the action failed: Auth0 discards the api commands of the whole execution (${state.commands.length} issued here)`);
  }
  run.warnings.push(...state.warnings);
  const data = {
    commands: state.commands,
    outcome: actionsApi.outcome(trigger, failed ? actionsApi.newState(trigger, null) : state),
    error,
    carry: failed ? {} : actionsApi.carry(trigger, state),
    cache: state.cache,
    persistedLog: run.kept,
    logChars: run.logChars,
    freshScope: fresh,
    firstRun,
  };
  let envelopeJson;
  try {
    envelopeJson = sb.stringify({ status: failed ? 'error' : 'success', data });
  } catch (e) {
    data.commands = data.commands.map((c) => ({ method: c.method, args: [] }));
    envelopeJson = sb.stringify({ status: 'error', data: { ...data, error: { name: 'Error', message: 'hooktui could not serialise the outcome: ' + e.message, stack: null } } });
  }
  sb.complete(run, envelopeJson, failed && thrown ? sb.locate(thrown, run.hook.filename) : null);
}

// Whether the sandbox should prepare a spare context now (an action run on a kept module scope
// needs none).
function wantsSpare() {
  return actionWantsSpare;
}

// After the warm-up run: the real first run starts on a scope of its own.
function forgetScope() {
  moduleScope = null;
  actionWantsSpare = false;
}

module.exports = { attach, actionModules, keepActionLog, startAction, wantsSpare, forgetScope };
