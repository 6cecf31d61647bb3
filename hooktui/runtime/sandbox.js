'use strict';
// A sandbox of hooktui's local hook runtime: one child process that runs the runs of one hook
// version, one at a time, each in a fresh `vm` context, the way auth0-ext-compilers ran hooks on
// the webtask platform. The supervisor (runner.js) starts it under Node's permission model and
// with a near-empty environment (README, "Isolation, and what it costs"). Whatever hook code does
// to this process reaches only this hook's own runs; the guards below keep those runs apart and
// keep the process's signals and output to itself.
//
// From the supervisor, on stdin, one JSON object per line:
//   {"type":"assign","hook":{name,version,trigger,filename,source,dependencies,metaFile}}   once
//   {"op":"run","id":"r1","payload":{...},"secrets":{...},"logLimit":1000,...}   the request as Python sent it
//   {"type":"probe"}   is the event loop turning? answered by {"type":"pong"}
// To the supervisor, on fd 3, written synchronously (order holds; nothing is lost at an exit):
//   {"type":"ready"}
//   {"type":"log","id","level","text","time"}
//   {"type":"result","id","envelope":{status,data},"durationMs","warnings","logsDropped","location"}
//   {"type":"late","id","level","text"}   something a finished run did afterwards
//   {"type":"exit-called","how","code"}   {"type":"crash","detail"}
// stdout and stderr are captured into the current run's log; what reaches them raw (fs.writeSync
// on fd 1) is counted against the run by the supervisor.

const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const util = require('node:util');
const os = require('node:os');
const Module = require('node:module');
const webtask = require('./webtask.js');
const actionRun = require('./action_run.js');

const EVENTS_FD = 3;
// The runtime's own files: their stack frames say nothing about the user's code.
const OWN_FILES = ['sandbox.js', 'webtask.js', 'action_run.js', 'actions_api.js', 'post_login_api.js', 'action_scope.js'].map((f) => path.join(__dirname, f));
const MAX_LINE = 16384;
// Output after a run ended has no run to count against: this many lines per process, then one
// notice and silence (the supervisor retires a process that goes on).
const LATE_LIMIT = 200;
const LAZY_GLOBALS = ['fetch', 'Headers', 'Request', 'Response', 'FormData', 'Blob', 'crypto', 'performance']
  .filter((name) => Object.getOwnPropertyDescriptor(globalThis, name) !== undefined);

const config = JSON.parse(process.argv[2] || '{}');

// What the sandbox itself relies on, taken before any hook code can replace it.
const stringify = JSON.stringify;
const writeSync = fs.writeSync;
const hardExit = process.reallyExit.bind(process);
const originalExit = process.exit;
const originalAbort = process.abort;
const realKill = process.kill;
const rawKill = process._kill;
const realSetPriority = os.setPriority;
const ownPid = process.pid;
const pause = new Int32Array(new SharedArrayBuffer(4));

let silent = false; // during the warm-up run, which nobody asked for

function sendLine(line) {
  if (silent) return;
  const buf = Buffer.from(line + '\n', 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(EVENTS_FD, buf, off, buf.length - off);
    } catch (e) {
      if (e && e.code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 1);
        continue;
      }
      // The supervisor is gone: nobody is left to serve.
      hardExit(0);
    }
  }
}

function send(obj) {
  sendLine(stringify(obj));
}

function capLine(text) {
  return text.length > MAX_LINE ? text.slice(0, MAX_LINE) + ` … [${text.length - MAX_LINE} more characters]` : text;
}

// -- guards, in place before any hook code runs --------------------------------------------------

// Signals: only this process. With child_process, bindings and addons denied by the permission
// model, process.kill and process._kill are the only ways to signal another process.
function refuse(pid) {
  const e = new Error(`kill EPERM: a hook may signal only its own process (${ownPid}), not ${String(pid)}`);
  e.code = 'EPERM';
  e.errno = -(os.constants.errno.EPERM || 1);
  e.syscall = 'kill';
  return e;
}
const isOwn = (pid) => (typeof pid === 'number' || typeof pid === 'string') && pid !== '' && Number(pid) === ownPid;
process.kill = function kill(pid, signal) {
  if (!isOwn(pid)) throw refuse(pid);
  return realKill.call(process, pid, signal);
};
process._kill = function _kill(pid, signal) {
  if (!isOwn(pid)) throw refuse(pid);
  return rawKill.call(process, pid, signal);
};
os.setPriority = function setPriority(pid, priority) {
  if (priority === undefined) return realSetPriority(pid);
  if (pid !== 0 && !isOwn(pid)) throw refuse(pid);
  return realSetPriority(pid, priority);
};

// Exits end this process, which is the hook's own; the supervisor is told how, first.
let exitReported = false;
function reportExit(how, code) {
  if (exitReported) return;
  exitReported = true;
  send({ type: 'exit-called', how, code: typeof code === 'number' || typeof code === 'string' ? code : null });
}
process.exit = function exit(code) {
  reportExit('exit', code === undefined ? null : code);
  return originalExit.call(process, code);
};
process.reallyExit = function reallyExit(code) {
  reportExit('exit', code === undefined ? null : code);
  return hardExit(code);
};
process.abort = function abort() {
  reportExit('abort', null);
  return originalAbort.call(process);
};
process.on('uncaughtException', (e) => {
  let what;
  try {
    what = e && typeof e.stack === 'string' ? cleanStack(e.stack) : String(e);
  } catch (err) {
    what = '<an exception that cannot be printed>';
  }
  send({ type: 'crash', detail: what });
  hardExit(70);
});

// Output: Node's own console, `new Console(process.stdout)`, process.stdout.write and any
// Writable method all end in these streams; each write becomes lines of the current run.
function toText(chunk, encoding) {
  if (typeof chunk === 'string') return chunk;
  if (Buffer.isBuffer(chunk)) return chunk.toString('utf8');
  if (ArrayBuffer.isView(chunk)) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  return String(chunk);
}

function output(level, text) {
  if (text.endsWith('\n')) text = text.slice(0, -1);
  const run = current;
  if (run !== null && run.logs >= run.logLimit) {
    // Past the cap only the count matters: no need to split a flood into strings.
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n += 1;
    run.dropped += n;
    return;
  }
  for (const line of text.split('\n')) {
    if (run !== null) emitLog(run, level, line);
    else late(level, line, lastRunId);
  }
}

function capture(stream, level) {
  stream.write = function write(chunk, encoding, callback) {
    output(level, toText(chunk, encoding));
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done);
    return true;
  };
  stream._write = function _write(chunk, encoding, callback) {
    output(level, toText(chunk, encoding));
    callback();
  };
  stream._writev = function _writev(chunks, callback) {
    for (const c of chunks) output(level, toText(c.chunk, c.encoding));
    callback();
  };
}
capture(process.stdout, 'info');
capture(process.stderr, 'error');

let lateLines = 0;
function late(level, text, id) {
  lateLines += 1;
  if (lateLines <= LATE_LIMIT) {
    send({ type: 'late', id, level, text: capLine(text) });
  } else if (lateLines === LATE_LIMIT + 1) {
    send({ type: 'late', id, level: 'warn',
      text: `[hooktui] this hook goes on printing after its runs ended; ${LATE_LIMIT} late lines were kept, the rest is dropped` });
  }
}

function describeThrown(e) {
  try {
    if (e && typeof e === 'object' && typeof e.message === 'string') return `${e.name || 'Error'}: ${e.message}`;
    return String(e);
  } catch (err) {
    return 'a value that cannot be printed';
  }
}

// -- runs ------------------------------------------------------------------------------------------

const builtins = new Set(Module.builtinModules);
const nodeRequire = require;
const depsRequire = config.nodeModulesBase
  ? Module.createRequire(path.join(config.nodeModulesBase, 'package.json'))
  : null;
const scripts = new Map(); // hook name -> {version, script}
// Objects a run hands to the hook are made inside the hook's context, as on Auth0 where the
// hook and the payload lived in one realm (instanceof Object, Array and Error all hold).
const contextTools = new vm.Script(
  'globalThis.global = globalThis; ({ parse: JSON.parse, object: () => ({}), assign: Object.assign, Error, TypeError })',
  { filename: 'hooktui-context.js' });
let current = null;
let assigned = null; // the one hook version this process serves
let lastRunId = null;

function compiled(hook) {
  const cached = scripts.get(hook.name);
  if (cached && cached.version === hook.version) return cached.script;
  scripts.clear();
  // The wrapper sits on a line of its own and lineOffset takes it back out, so the line
  // numbers in stack traces are the lines of the user's file.
  const script = new vm.Script(`(function (${webtask.HOOK_PARAMS.join(', ')}) {\n${hook.source}\n})`, {
    filename: hook.filename,
    lineOffset: -1,
  });
  scripts.set(hook.name, { version: hook.version, script });
  return script;
}

webtask.attach({ complete, locate, late, cleanStack, compiled, makeRequire, describeThrown });
actionRun.attach({
  get assigned() { return assigned; },
  get current() { return current; },
  set current(run) { current = run; },
  set lastRunId(id) { lastRunId = id; },
  takeSpare() { const prepared = spare; spare = null; return prepared; },
  scripts, contextTools, stringify, prepare, freshRun, createRunContext, complete, locate, cleanStack, makeRequire, describeThrown,
});

// Each run gets a context of its own; the next one is made while the worker is idle, after
// a result has gone out, so a run does not wait for it.
let spare = null;

function freshRun() {
  return {
    id: null, hook: null, logLimit: 1000, logs: 0, logBytes: 0, dropped: 0, timers: new Set(), listeners: [],
    cbCalls: 0, firstCb: null, done: false, warnings: [], startedAt: 0n, resolvedWithoutCb: false,
  };
}

function prepare() {
  const run = freshRun();
  const ctx = createRunContext(run);
  const tools = contextTools.runInContext(ctx);
  return { run, ctx, tools };
}

function prepareSpare() {
  // An action that reuses its module scope needs no fresh context per run: making one anyway
  // would only take CPU from its next run.
  if (assigned !== null && assigned.kind === 'action' && !actionRun.wantsSpare()) return;
  if (spare === null && current === null) {
    try {
      spare = prepare();
    } catch (e) {
      spare = null;
    }
  }
}

function start(m, line) {
  if (assigned === null) {
    send({ type: 'result', id: m.id, envelope: { status: 'error', data: { message: 'hooktui: no hook assigned to this sandbox' } },
      durationMs: 0, warnings: [], logsDropped: 0, location: null });
    return;
  }
  if (assigned.kind === 'action') return actionRun.startAction(m, line);
  lastRunId = m.id;
  let prepared = spare;
  spare = null;
  const startedAt = process.hrtime.bigint();
  if (prepared === null) {
    try {
      prepared = prepare();
    } catch (e) {
      const run = Object.assign(freshRun(), { id: m.id, hook: assigned, startedAt });
      return complete(run, webtask.serializeError(e, Error), null);
    }
  }
  const { run, ctx, tools } = prepared;
  Object.assign(run, { id: m.id, hook: assigned, logLimit: m.logLimit || 1000, startedAt });
  current = run;
  webtask.runHook(m, run, ctx, tools, assigned);
}

function complete(run, envelopeJson, location) {
  if (run.done) return;
  run.done = true;
  for (const [clear, handle] of run.timers) clear(handle);
  run.timers.clear();
  for (const [event, fn] of run.listeners) process.removeListener(event, fn);
  run.listeners.length = 0;
  if (run.dropped > 0) {
    run.warnings.push(`${run.dropped} more log line(s) were dropped: each run keeps at most ${run.logLimit} lines`);
  }
  const durationMs = Number(process.hrtime.bigint() - run.startedAt) / 1e6;
  sendLine('{"type":"result","id":' + stringify(run.id) + ',"envelope":' + envelopeJson + ',' +
    stringify({ durationMs, warnings: run.warnings, logsDropped: run.dropped, location }).slice(1));
  if (current === run) current = null;
  setImmediate(prepareSpare);
  if (warmedUp !== null) {
    const done = warmedUp;
    warmedUp = null;
    done();
  }
}

// A fresh process has compiled none of the code above: one silent run of a trivial hook through
// the whole path makes its first real run (the one right after a save) as quick as the next ones.
let warmedUp = null;
function warmUp(done) {
  silent = true;
  assigned = {
    name: '(warm-up)', version: 0, trigger: 'credentials-exchange', filename: 'hooktui-warm-up.js', dependencies: {}, metaFile: null,
    source: "module.exports = function (client, scope, audience, context, cb) { console.log('warm', { up: 1 }); cb(null, { scope: scope }); };",
  };
  warmedUp = () => {
    assigned = null;
    scripts.clear();
    const finish = () => {
      silent = false;
      assigned = null;
      lastRunId = null;
      scripts.clear();
      setImmediate(() => {
        prepareSpare();
        done();
      });
    };
    if (config.kind === 'action') warmUpAction(finish);
    else finish();
  };
  start({ id: 'warm-up', payload: { client: { metadata: {} }, scope: ['warm'], audience: 'warm' }, secrets: {}, logLimit: 10 });
}

// A sandbox for actions also runs one silent action through its path (the api, the module
// scope and its watch), so that the run right after an edit does not compile them.
function warmUpAction(done) {
  assigned = {
    name: '(warm-up action)', version: 0, kind: 'action', trigger: 'post-login', filename: 'hooktui-warm-up-action.js',
    dependencies: {}, metaFile: null,
    source: "let n = 0;\nexports.onExecutePostLogin = async (event, api) => { n += 1; console.log('warm', n);\n" +
      "  api.accessToken.setCustomClaim('https://warm.example/a', 1).idToken.setCustomClaim('https://warm.example/b', [2]);\n" +
      "  api.user.setAppMetadata('a', 1); api.cache.get('x'); };",
  };
  warmedUp = () => {
    actionRun.forgetScope();
    done();
  };
  const event = { user: { user_id: 'warm', app_metadata: {}, user_metadata: {} }, client: {}, connection: {}, request: {}, tenant: {},
    transaction: {} };
  actionRun.startAction({ id: 'warm-up-action', event, secrets: {}, cache: {}, logLimit: 10 });
}

function emitLog(run, level, text) {
  if (run.idle) return late(level, text, lastRunId);
  if (run.kept !== undefined && actionRun.keepActionLog(run, text)) return;
  if (run.logs >= run.logLimit) {
    run.dropped += 1;
    return;
  }
  run.logs += 1;
  send({ type: 'log', id: run.id, level, text: capLine(text), time: Date.now() });
  if (run.logs === run.logLimit) {
    send({ type: 'log', id: run.id, level: 'warn', time: Date.now(),
      text: `[hooktui] this run reached its limit of ${run.logLimit} log lines; further output is dropped` });
  }
}

function makeConsole(run) {
  const out = (level) => (...args) => emitLog(run, level, util.format(...args));
  const counts = new Map();
  const timers = new Map();
  return {
    log: out('info'),
    info: out('info'),
    debug: out('debug'),
    warn: out('warn'),
    error: out('error'),
    trace: (...args) => emitLog(run, 'debug', cleanStack(new Error(util.format(...args)).stack).replace(/^Error/, 'Trace')),
    dir: (obj, opts) => emitLog(run, 'info', util.inspect(obj, opts)),
    table: out('info'),
    assert: (ok, ...args) => { if (!ok) emitLog(run, 'error', 'Assertion failed' + (args.length ? ': ' + util.format(...args) : '')); },
    count: (label = 'default') => { counts.set(label, (counts.get(label) || 0) + 1); emitLog(run, 'info', `${label}: ${counts.get(label)}`); },
    time: (label = 'default') => timers.set(label, process.hrtime.bigint()),
    timeEnd: (label = 'default') => {
      const t = timers.get(label);
      if (t !== undefined) emitLog(run, 'info', `${label}: ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(3)}ms`);
      timers.delete(label);
    },
  };
}

function makeTimers(run) {
  // Timers are the run's own: whatever is still pending when the run ends is cleared, so
  // nothing of one run fires during the next.
  const track = (set, clear) => (fn, ...rest) => {
    if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function');
    let handle;
    const wrapped = (...args) => {
      if (set !== setInterval) run.timers.delete(entry);
      return fn(...args);
    };
    handle = set(wrapped, ...rest);
    const entry = [clear, handle];
    run.timers.add(entry);
    handle.__entry = entry;
    return handle;
  };
  const untrack = (clear) => (handle) => {
    if (handle && handle.__entry) run.timers.delete(handle.__entry);
    clear(handle);
  };
  return {
    setTimeout: track(setTimeout, clearTimeout),
    setInterval: track(setInterval, clearInterval),
    setImmediate: track(setImmediate, clearImmediate),
    clearTimeout: untrack(clearTimeout),
    clearInterval: untrack(clearInterval),
    clearImmediate: untrack(clearImmediate),
  };
}

function makeProcess(run) {
  // stdout and stderr are the process's own, captured below: whatever is written to them
  // goes to the current run's log.
  const env = { ...process.env };
  const exit = (how) => (code) => {
    reportExit(how, code === undefined ? null : code);
    hardExit(typeof code === 'number' ? code : 0);
  };
  const listen = (method) => (event, fn) => {
    run.listeners.push([event, fn]);
    process[method](event, fn);
    return proxy;
  };
  const overrides = {
    exit: exit('exit'),
    reallyExit: exit('exit'),
    abort: exit('abort'),
    env,
    on: listen('on'),
    once: listen('once'),
    addListener: listen('addListener'),
    prependListener: listen('prependListener'),
  };
  const proxy = new Proxy(process, {
    get(target, prop) {
      if (Object.prototype.hasOwnProperty.call(overrides, prop)) return overrides[prop];
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set(target, prop, value) {
      overrides[prop] = value;
      return true;
    },
  });
  return proxy;
}

function makeRequire(run) {
  const hook = run.hook;
  const declared = hook.dependencies || {};
  const noun = hook.kind === 'action' ? 'action' : 'hook';
  const jsonFile = hook.metaFile || `the ${noun}'s .json file`;
  const notFound = (message) => {
    const e = new Error(message);
    e.code = 'MODULE_NOT_FOUND';
    return e;
  };
  const req = function require(id) {
    if (typeof id !== 'string' || id === '') throw new TypeError('The "id" argument must be a non-empty string');
    const bare = id.startsWith('node:') ? id.slice(5) : id;
    if (builtins.has(bare)) return nodeRequire(id);
    if (id.startsWith('.') || path.isAbsolute(id)) {
      throw notFound(`Cannot find module '${id}': a ${noun} runs as a single file on Auth0 and cannot require local files; inline the code or publish it as an npm package and declare it in "dependencies"`);
    }
    if (noun === 'action' && id.startsWith('actions:')) {
      throw notFound(`Cannot find module '${id}': Action Modules (actions:<name>) are not available in hooktui's local runtime yet; inline the module's code for now`);
    }
    const pkg = packageName(id);
    const version = declared[pkg];
    if (version === undefined) {
      throw notFound(`Cannot find module '${pkg}': it is not declared in the ${noun}'s dependencies; add "${pkg}": "<version>" to "dependencies" in ${jsonFile}, then run: hooktui deps install`);
    }
    if (!depsRequire) {
      throw notFound(`Cannot find module '${pkg}' (declared as ${pkg}@${version}): run: hooktui deps install`);
    }
    try {
      return depsRequire(id);
    } catch (e) {
      if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${id}'`)) {
        throw notFound(`Cannot find module '${pkg}' (declared as ${pkg}@${version}): it is not installed in ${path.join(config.nodeModulesBase, 'node_modules')}; run: hooktui deps install`);
      }
      throw e;
    }
  };
  req.resolve = (id) => {
    const bare = id.startsWith('node:') ? id.slice(5) : id;
    if (builtins.has(bare)) return id;
    if (!depsRequire) throw notFound(`Cannot find module '${id}'`);
    return depsRequire.resolve(id);
  };
  req.cache = Object.create(null);
  return req;
}

function createRunContext(run) {
  const timers = makeTimers(run);
  const sandbox = {
    console: makeConsole(run),
    process: makeProcess(run),
    Buffer,
    URL,
    URLSearchParams,
    TextEncoder,
    TextDecoder,
    AbortController,
    AbortSignal,
    queueMicrotask,
    structuredClone,
    atob,
    btoa,
    ...timers,
  };
  // Node loads these on first use (fetch is undici: ~15 ms): they stay lazy here too, so that a
  // sandbox starts quickly and a hook that never fetches never pays for it.
  for (const name of LAZY_GLOBALS) {
    Object.defineProperty(sandbox, name, {
      configurable: true,
      enumerable: true,
      get() {
        const value = globalThis[name];
        Object.defineProperty(sandbox, name, { configurable: true, enumerable: true, writable: true, value });
        return value;
      },
      set(value) {
        Object.defineProperty(sandbox, name, { configurable: true, enumerable: true, writable: true, value });
      },
    });
  }
  return vm.createContext(sandbox, { name: 'hooktui hook run' });
}

// Where in the user's file an error comes from: the first stack frame in that file.
function locate(e, filename) {
  const stack = e && typeof e.stack === 'string' ? e.stack : '';
  for (const line of stack.split('\n')) {
    const i = line.indexOf(filename + ':');
    if (i >= 0) {
      const m = /^:(\d+):(\d+)/.exec(line.slice(i + filename.length));
      if (m) return { line: Number(m[1]), column: Number(m[2]) };
    }
  }
  return null;
}

// Stack frames of this file and of Node's internals say nothing about the hook.
function cleanStack(stack) {
  return stack
    .split('\n')
    .filter((l) => !OWN_FILES.some((f) => l.includes(f)) && !l.includes('node:internal') && !/\(node:[a-z_]+/.test(l))
    .join('\n');
}


function packageName(id) {
  const parts = id.split('/');
  return id.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}


// -- the supervisor's requests ----------------------------------------------------------------------

function onRequest(line) {
  let m;
  try {
    m = JSON.parse(line);
  } catch (e) {
    return;
  }
  if (m.op === 'run') start(m, line);
  else if (m.type === 'assign') {
    assigned = m.hook;
    // The actions modules load now, while the sandbox waits for its first run.
    if (assigned && assigned.kind === 'action') actionRun.actionModules();
  }
  else if (m.type === 'probe') send({ type: 'pong' });
}

// Lines by hand rather than with readline: one module less to load at every start.
let pendingInput = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pendingInput += chunk;
  let nl;
  while ((nl = pendingInput.indexOf('\n')) >= 0) {
    const line = pendingInput.slice(0, nl);
    pendingInput = pendingInput.slice(nl + 1);
    if (line) onRequest(line);
  }
});
// The supervisor went away: nothing left to serve.
process.stdin.on('end', () => hardExit(0));
process.stdin.on('error', () => hardExit(0));
warmUp(() => send({ type: 'ready' }));
