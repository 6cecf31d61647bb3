'use strict';
// hooktui's local hook runtime: runs Auth0 Hooks the way auth0-ext-compilers ran them on the
// webtask platform, for the Python executor that speaks to it in newline-delimited JSON on stdio.
//
// The main thread only supervises: it reads requests, keeps the loaded hooks, and hands each run
// to a worker thread from a small pool. A worker runs one hook at a time, each run in a fresh
// `vm` context, so a hook can block, crash, exit or exhaust memory without touching the main
// thread: the main thread fails that run, terminates the worker and starts another.
//
// Requests (stdin), one JSON object per line:
//   {"op":"load","seq":1,"hook":{"name","trigger","filename","source","dependencies","metaFile"}}
//   {"op":"unload","hook":"name"}
//   {"op":"run","id":"r1","hook":"name","payload":{...},"secrets":{...},"timeoutMs":20000,"logLimit":1000}
//   {"op":"ping","seq":2}
// Events (stdout), one JSON object per line:
//   {"type":"ready","node":"v20..."}
//   {"type":"loaded","seq":1,"hook":"name","ok":true} or with "error":{message,line,column,stack}
//   {"type":"log","id":"r1","hook":"name","level":"info","text":"...","time":1700000000000}
//   {"type":"result","id":"r1","envelope":{"status":...,"data":...},"durationMs":1.2,"warnings":[...],
//    "logsDropped":0,"location":{line,column}|null,"crash":null|"exit"|"uncaught"|"oom"|"timeout"}
//   {"type":"late","id":"r1","hook":"name","text":"..."}   something a finished run did afterwards
//   {"type":"worker","event":"restarted","reason":"..."}
//   {"type":"pong","seq":2,"rss":123,"heapUsed":45,"workers":2}

const path = require('node:path');
const vm = require('node:vm');
const util = require('node:util');
const { isMainThread, Worker, parentPort, workerData } = require('node:worker_threads');

const HOOK_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname'];
const COMPILE_ERROR_MESSAGE = 'Unable to compile the extensibility code as javascript';
const TIMEOUT_MESSAGE = 'Request to Webtask exceeded allowed execution time';
const USER_TRIGGERS = new Set(['pre-user-registration', 'post-user-registration', 'post-change-password']);
// A worker keeps V8's code and compile caches of every hook version it compiled. Hot reload
// makes a new version at every save, so after this many a worker is replaced while idle: the
// process stays flat however long a session runs.
const VERSIONS_PER_WORKER = 100;

// ---------------------------------------------------------------------------------------------
// Main thread: the supervisor.

function supervisor(options) {
  const maxWorkers = Math.max(1, options.maxWorkers || 4);
  const memoryMb = options.memoryMb || 256;
  const hooks = new Map();
  let version = 0;

  const send = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
  // Results carry the envelope as the JSON text the worker already made: no second round trip
  // through objects on the hot path.
  const sendResult = (id, envelopeJson, rest) =>
    process.stdout.write('{"type":"result","id":' + JSON.stringify(id) + ',"envelope":' + envelopeJson +
      ',' + JSON.stringify(rest).slice(1) + '\n');

  const pool = new Pool({ maxWorkers, memoryMb, nodeModulesBase: options.nodeModulesBase || null, send, sendResult });

  const readline = require('node:readline');
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (e) {
      send({ type: 'protocol-error', message: 'request is not JSON: ' + e.message });
      return;
    }
    switch (msg.op) {
      case 'load': {
        const h = msg.hook;
        const error = checkSyntax(h.source, h.filename);
        hooks.set(h.name, { ...h, version: ++version, compileError: error });
        send({ type: 'loaded', seq: msg.seq, hook: h.name, ok: !error, error: error || undefined });
        break;
      }
      case 'unload':
        hooks.delete(msg.hook);
        break;
      case 'run': {
        const hook = hooks.get(msg.hook);
        if (!hook) {
          sendResult(msg.id, JSON.stringify(errorEnvelope({ message: `hook ${msg.hook} is not loaded` })),
            { durationMs: 0, warnings: [], logsDropped: 0, location: null, crash: null });
        } else if (hook.compileError) {
          const e = hook.compileError;
          const data = { stack: e.stack, message: COMPILE_ERROR_MESSAGE, error_description: e.message };
          sendResult(msg.id, JSON.stringify({ status: 'error', data }),
            { durationMs: 0, warnings: [], logsDropped: 0, location: { line: e.line, column: e.column }, crash: null });
        } else {
          pool.submit({ ...msg, hook });
        }
        break;
      }
      case 'ping': {
        const mem = process.memoryUsage();
        send({ type: 'pong', seq: msg.seq, rss: mem.rss, heapUsed: mem.heapUsed, workers: pool.size() });
        break;
      }
      case 'shutdown':
        process.exit(0);
        break;
      default:
        send({ type: 'protocol-error', message: 'unknown op ' + JSON.stringify(msg.op) });
    }
  });
  // The Python side went away: nothing left to serve.
  rl.on('close', () => process.exit(0));
  send({ type: 'ready', node: process.version, pid: process.pid });
}

// A syntax error with the user's own line and column; null when the script compiles.
function checkSyntax(source, filename) {
  try {
    vm.compileFunction(source, HOOK_PARAMS, { filename });
    return null;
  } catch (e) {
    return describeSyntaxError(e, source, filename);
  }
}

function describeSyntaxError(e, source, filename) {
  const lines = String(e.stack || '').split('\n');
  let line = null;
  let column = null;
  const m = /:(\d+)$/.exec(lines[0] || '');
  if (m && lines[0].startsWith(filename)) {
    line = Number(m[1]);
    const caret = (lines[2] || '').indexOf('^');
    column = caret >= 0 ? caret + 1 : null;
  }
  const sourceLines = source.split('\n');
  if (line !== null && (line > sourceLines.length || column === null)) {
    // "Unexpected end of input": point just past the last character of the file.
    line = Math.min(line, sourceLines.length);
    column = (sourceLines[line - 1] || '').length + 1;
  }
  const where = line !== null ? `${filename}:${line}:${column}` : filename;
  return {
    message: `${e.name}: ${e.message}`,
    line,
    column,
    stack: `${e.name}: ${e.message}\n    at ${where}`,
  };
}

class Pool {
  constructor(opts) {
    this.opts = opts;
    this.idle = [];
    this.all = new Set();
    this.queue = [];
    // Two warm workers: while one builds the context for its next run, the other takes the
    // next request, so a run never waits for a context to be made.
    for (let i = 0; i < Math.min(3, opts.maxWorkers); i++) this.idle.push(this.spawn());
  }

  size() {
    return this.all.size;
  }

  spawn() {
    const slot = new Slot(this, this.opts);
    this.all.add(slot);
    return slot;
  }

  submit(job) {
    // The worker idle the longest has had the most time to make its next context.
    const slot = this.idle.shift() || (this.all.size < this.opts.maxWorkers ? this.spawn() : null);
    if (slot) slot.start(job);
    else this.queue.push(job);
  }

  release(slot) {
    if (slot.versions.size >= VERSIONS_PER_WORKER) {
      slot.retire(null);
      return;
    }
    const next = this.queue.shift();
    if (next) slot.start(next);
    else this.idle.push(slot);
  }

  // A worker is gone (crashed, exited, terminated or recycled): forget it, keep the queue moving.
  replace(slot, reason) {
    this.all.delete(slot);
    const i = this.idle.indexOf(slot);
    if (i >= 0) this.idle.splice(i, 1);
    if (reason) this.opts.send({ type: 'worker', event: 'restarted', reason });
    const fresh = this.spawn();
    this.release(fresh);
  }
}

class Slot {
  constructor(pool, opts) {
    this.pool = pool;
    this.opts = opts;
    this.job = null;
    this.dead = false;
    this.versions = new Set(); // hook versions this worker has compiled
    this.worker = new Worker(__filename, {
      workerData: { nodeModulesBase: opts.nodeModulesBase },
      // Whatever the hook's dependencies print through the worker's own console lands here,
      // not on our protocol stream.
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: opts.memoryMb, maxYoungGenerationSizeMb: 16 },
    });
    this.worker.on('message', (m) => this.onMessage(m));
    this.worker.on('error', (e) => this.onError(e));
    this.worker.on('exit', (code) => this.onExit(code));
    this.pipeStream(this.worker.stdout, 'info');
    this.pipeStream(this.worker.stderr, 'error');
  }

  pipeStream(stream, level) {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const text = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (this.job) this.forwardLog(this.job, level, text, Date.now());
      }
    });
  }

  forwardLog(job, level, text, time) {
    this.opts.send({ type: 'log', id: job.id, hook: job.hook.name, level, text, time });
  }

  start(job) {
    this.job = job;
    this.exitCode = undefined;
    this.crash = null;
    this.probeAnswered = false;
    this.startedAt = process.hrtime.bigint();
    const timeoutMs = job.timeoutMs || 20000;
    this.timer = setTimeout(() => this.onTimeout(timeoutMs), timeoutMs);
    const h = job.hook;
    this.versions.add(h.version);
    this.worker.postMessage({
      type: 'run',
      id: job.id,
      hook: { name: h.name, version: h.version, trigger: h.trigger, filename: h.filename, source: h.source,
        dependencies: h.dependencies || {}, metaFile: h.metaFile || null },
      payload: job.payload,
      secrets: job.secrets || {},
      logLimit: job.logLimit || 1000,
    });
  }

  onMessage(m) {
    const job = this.job;
    switch (m.type) {
      case 'log':
        if (job && m.id === job.id) this.forwardLog(job, m.level, m.text, m.time);
        else this.opts.send({ type: 'late', id: m.id, hook: m.hook, level: m.level, text: m.text });
        break;
      case 'result':
        if (!job || m.id !== job.id) return;
        this.finish();
        this.opts.sendResult(m.id, m.envelope, {
          durationMs: m.durationMs, warnings: m.warnings, logsDropped: m.logsDropped, location: m.location, crash: null,
        });
        this.pool.release(this);
        break;
      case 'late':
        this.opts.send({ type: 'late', id: m.id, hook: m.hook, level: 'warn', text: m.text });
        break;
      case 'exit-called':
        this.exitCode = m.code;
        this.exitHow = m.how;
        break;
      case 'pong':
        this.probeAnswered = true;
        break;
    }
  }

  finish() {
    clearTimeout(this.timer);
    clearTimeout(this.probeTimer);
    this.job = null;
  }

  elapsedMs() {
    return Number(process.hrtime.bigint() - this.startedAt) / 1e6;
  }

  // The run ended without a result from the worker: report it as an error envelope.
  fail(kind, message, detail, extraWarnings = []) {
    const job = this.job;
    if (!job) return;
    const durationMs = this.elapsedMs();
    this.finish();
    const data = { message };
    if (detail) data.error_description = detail;
    this.opts.sendResult(job.id, JSON.stringify({ status: 'error', data }), {
      durationMs, warnings: extraWarnings, logsDropped: 0, location: null, crash: kind,
    });
  }

  onTimeout(timeoutMs) {
    // Is the worker's event loop still turning (the hook is waiting for something and never
    // called back) or is it stuck in a synchronous loop? A probe tells the two apart.
    this.worker.postMessage({ type: 'probe' });
    this.probeTimer = setTimeout(() => {
      const secs = (timeoutMs / 1000).toFixed(timeoutMs % 1000 ? 1 : 0);
      const detail = this.probeAnswered
        ? `the hook did not call its callback within ${secs} s: check that every code path calls cb(err, result), including error branches`
        : `the hook blocked its thread for ${secs} s without returning (a synchronous infinite loop?); it was stopped`;
      this.fail('timeout', TIMEOUT_MESSAGE, detail);
      this.retire('a hook run timed out');
    }, 150);
  }

  onError(e) {
    // Reported before 'exit' when the worker dies of an uncaught exception or out of memory.
    if (e && e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      this.crash = { kind: 'oom', message: `The hook ran out of memory (limit ${this.opts.memoryMb} MB) and was stopped` };
    } else {
      const what = e && e.stack ? cleanStack(String(e.stack)) : String(e);
      this.crash = {
        kind: 'uncaught',
        message: 'The hook crashed with an uncaught exception (thrown outside the hook function, e.g. in a timer callback or an unhandled promise rejection)',
        detail: what,
      };
    }
  }

  onExit(code) {
    if (this.dead) return;
    this.dead = true;
    let reason;
    if (this.crash) {
      this.fail(this.crash.kind, this.crash.message, this.crash.detail);
      reason = this.crash.kind === 'oom' ? 'a hook ran out of memory' : 'a hook crashed';
    } else if (this.exitCode !== undefined) {
      this.fail('exit', `The hook called process.${this.exitHow || 'exit'}(${this.exitCode === null ? '' : this.exitCode}), which ends the webtask`,
        'a hook must finish by calling cb(err, result), never by exiting the process');
      reason = `a hook called process.${this.exitHow || 'exit'}()`;
    } else {
      this.fail('exit', `The hook's worker stopped unexpectedly (exit code ${code})`);
      reason = `worker exited with code ${code}`;
    }
    this.pool.replace(this, reason);
  }

  retire(reason) {
    if (this.dead) return;
    this.dead = true;
    this.worker.removeAllListeners('exit');
    this.worker.removeAllListeners('message');
    this.worker.terminate();
    this.pool.replace(this, reason);
  }
}

// Stack frames of this file and of Node's internals say nothing about the hook.
function cleanStack(stack) {
  return stack
    .split('\n')
    .filter((l) => !l.includes(__filename) && !l.includes('node:internal') && !/\(node:[a-z_]+/.test(l))
    .join('\n');
}

function errorEnvelope(data) {
  return { status: 'error', data };
}

// ---------------------------------------------------------------------------------------------
// Worker thread: one hook run at a time, each in a context of its own.

function sandboxWorker(config) {
  const Module = require('node:module');
  const builtins = new Set(Module.builtinModules);
  const nodeRequire = require;
  const depsRequire = config.nodeModulesBase
    ? Module.createRequire(path.join(config.nodeModulesBase, 'package.json'))
    : null;
  const scripts = new Map(); // hook name -> {version, script}
  const preludes = new Map(); // trigger -> vm.Script defining the injected error classes
  // Objects a run hands to the hook are made inside the hook's context, as on Auth0 where the
  // hook and the payload lived in one realm (instanceof Object, Array and Error all hold).
  const contextTools = new vm.Script(
    'globalThis.global = globalThis; ({ parse: JSON.parse, object: () => ({}), assign: Object.assign, Error })',
    { filename: 'hooktui-context.js' });
  let current = null;

  parentPort.on('message', (m) => {
    if (m.type === 'run') start(m);
    else if (m.type === 'probe') parentPort.postMessage({ type: 'pong' });
  });
  setImmediate(prepareSpare);

  function compiled(hook) {
    const cached = scripts.get(hook.name);
    if (cached && cached.version === hook.version) return cached.script;
    // The wrapper sits on a line of its own and lineOffset takes it back out, so the line
    // numbers in stack traces are the lines of the user's file.
    const script = new vm.Script(`(function (${HOOK_PARAMS.join(', ')}) {\n${hook.source}\n})`, {
      filename: hook.filename,
      lineOffset: -1,
    });
    scripts.set(hook.name, { version: hook.version, script });
    return script;
  }

  function prelude(trigger) {
    let script = preludes.get(trigger);
    if (!script) {
      script = new vm.Script(preludeSource(trigger), { filename: 'auth0-prelude.js' });
      preludes.set(trigger, script);
    }
    return script;
  }

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
    if (spare === null && current === null) {
      try {
        spare = prepare();
      } catch (e) {
        spare = null;
      }
    }
  }

  function start(m) {
    let prepared = spare;
    spare = null;
    const startedAt = process.hrtime.bigint();
    if (prepared === null) {
      try {
        prepared = prepare();
      } catch (e) {
        const run = Object.assign(freshRun(), { id: m.id, hook: m.hook, startedAt });
        return complete(run, serializeError(e, Error), null);
      }
    }
    const { run, ctx, tools } = prepared;
    Object.assign(run, { id: m.id, hook: m.hook, logLimit: m.logLimit, startedAt });
    current = run;
    const ctxError = tools.Error;
    const hook = m.hook;

    // Compiling in Auth0 meant evaluating the module: a top-level throw is a compile error too.
    let exported;
    try {
      prelude(hook.trigger).runInContext(ctx);
      const fn = compiled(hook).runInContext(ctx);
      const module = tools.object();
      module.exports = tools.object();
      fn.call(module.exports, module.exports, makeRequire(run), module, hook.filename, path.dirname(hook.filename));
      exported = module.exports;
    } catch (e) {
      const data = serializeErrorData(e, ctxError);
      data.error_description = data.message;
      data.message = COMPILE_ERROR_MESSAGE;
      return complete(run, JSON.stringify({ status: 'error', data }), locate(e, hook.filename));
    }
    if (typeof exported !== 'function') {
      const what = exported === null ? 'null' : typeof exported;
      return complete(run, serializeError(new ctxError(
        `The script does not export a function (module.exports is ${what}): a hook is written as module.exports = function (...) { ... }`), ctxError), null);
    }

    let body;
    try {
      body = m.payload === undefined ? undefined : tools.parse(JSON.stringify(m.payload));
    } catch (e) {
      return complete(run, serializeError(e, ctxError), null);
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
          parentPort.postMessage({ type: 'late', id: run.id, hook: hook.name,
            text: `cb was called again (call ${run.cbCalls}) after the run had finished; the first result stands` });
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
      location = locate(err, run.hook.filename);
    } else {
      try {
        envelopeJson = JSON.stringify({ status: 'success', data: result });
      } catch (e) {
        envelopeJson = serializeError(new Error('Error when JSON serializing the result of the extension point'), Error);
        run.warnings.push(`the result cannot be turned into JSON: ${e.message}`);
      }
    }
    complete(run, envelopeJson, location);
  }

  function complete(run, envelopeJson, location) {
    if (run.done) return;
    run.done = true;
    for (const [clear, handle] of run.timers) clear(handle);
    run.timers.clear();
    for (const [event, fn] of run.listeners) process.removeListener(event, fn);
    if (run.dropped > 0) {
      run.warnings.push(`${run.dropped} more log line(s) were dropped: each run keeps at most ${run.logLimit} lines`);
    }
    const durationMs = Number(process.hrtime.bigint() - run.startedAt) / 1e6;
    parentPort.postMessage({
      type: 'result', id: run.id, envelope: envelopeJson, durationMs, warnings: run.warnings,
      logsDropped: run.dropped, location,
    });
    if (current === run) current = null;
    setImmediate(prepareSpare);
  }

  function emitLog(run, level, text) {
    if (run.logs >= run.logLimit) {
      run.dropped += 1;
      return;
    }
    run.logs += 1;
    if (text.length > 16384) text = text.slice(0, 16384) + ` … [${text.length - 16384} more characters]`;
    parentPort.postMessage({ type: 'log', id: run.id, hook: run.hook.name, level, text, time: Date.now() });
    if (run.logs === run.logLimit) {
      parentPort.postMessage({ type: 'log', id: run.id, hook: run.hook.name, level: 'warn', time: Date.now(),
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
    const streamFor = (level) => ({
      write(chunk, encoding, callback) {
        for (const line of String(chunk).replace(/\n$/, '').split('\n')) emitLog(run, level, line);
        if (typeof encoding === 'function') encoding();
        else if (typeof callback === 'function') callback();
        return true;
      },
      isTTY: false,
    });
    const stdout = streamFor('info');
    const stderr = streamFor('error');
    const env = { ...process.env };
    const exit = (how) => (code) => {
      parentPort.postMessage({ type: 'exit-called', code: code === undefined ? null : code, how });
      process.exit(typeof code === 'number' ? code : 0);
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
      stdout,
      stderr,
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
    const jsonFile = hook.metaFile || 'the hook\'s .json file';
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
        throw notFound(`Cannot find module '${id}': a hook runs as a single file on Auth0 and cannot require local files; inline the code or publish it as an npm package and declare it in "dependencies"`);
      }
      const pkg = packageName(id);
      const version = declared[pkg];
      if (version === undefined) {
        throw notFound(`Cannot find module '${pkg}': it is not declared in the hook's dependencies; add "${pkg}": "<version>" to "dependencies" in ${jsonFile}, then run: hooktui deps install`);
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
    for (const name of ['fetch', 'Headers', 'Request', 'Response', 'FormData', 'Blob', 'crypto', 'performance']) {
      if (globalThis[name] !== undefined) sandbox[name] = globalThis[name];
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
    data[key] = key === 'stack' && typeof error[key] === 'string' ? cleanStack(error[key]) : error[key];
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

function packageName(id) {
  const parts = id.split('/');
  return id.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
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

// Entry point, at the end so that every class above is defined.
if (isMainThread) {
  supervisor(JSON.parse(process.argv[2] || '{}'));
} else {
  sandboxWorker(workerData);
}
