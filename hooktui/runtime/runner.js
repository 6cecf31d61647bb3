'use strict';
// hooktui's local hook runtime, for the Python executor that speaks to it in newline-delimited
// JSON on stdio: the supervisor. No hook code ever runs in this process. It keeps the loaded
// hooks, checks their syntax, and hands each run to a sandbox: a child process (sandbox.js)
// under Node's permission model, dedicated to one version of one hook, which sandbox_process.js
// supervises. A sandbox can block, crash, exit, flood or exhaust memory; this process fails that
// run, kills the sandbox and starts another. README, "Isolation, and what it costs", says why
// processes and not threads.
//
// Requests (stdin), one JSON object per line:
//   {"op":"load","seq":1,"hook":{"name","trigger","filename","source","dependencies","metaFile"}}
//   {"op":"unload","hook":"name"}
//   {"op":"run","id":"r1","hook":"name","payload":{...},"secrets":{...},"timeoutMs":20000,"logLimit":1000}
//   {"op":"ping","seq":2}
// Events (stdout), one JSON object per line:
//   {"type":"ready","node":"v20...","pid":123,"permission":"--experimental-permission"|null}
//   {"type":"loaded","seq":1,"hook":"name","ok":true} or with "error":{message,line,column,stack}
//   {"type":"queued","id":"r1"}    every sandbox is busy: the run waits, and its time has not started
//   {"type":"started","id":"r1"}   a queued run left the queue for a sandbox: its time starts now
//   {"type":"log","id":"r1","hook":"name","level":"info","text":"...","time":1700000000000}
//   {"type":"result","id":"r1","envelope":{"status":...,"data":...},"durationMs":1.2,"warnings":[...],
//    "logsDropped":0,"location":{line,column}|null,"crash":null|"exit"|"uncaught"|"oom"|"timeout"}
//   {"type":"late","id":"r1","hook":"name","level":"warn","text":"..."}   after a run had finished
//   {"type":"worker","event":"restarted","reason":"..."}
//   {"type":"pong","seq":2,"rss":123,"supervisorRss":45,"heapUsed":45,"workers":2,"spares":1}

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const { execFile } = require('node:child_process');
const { Sandbox, LATE_LINES_RETIRE } = require('./sandbox_process.js');

const HOOK_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname'];
const COMPILE_ERROR_MESSAGE = 'Unable to compile the extensibility code as javascript';
// Sandboxes started ahead of need, unassigned, so that a run or a reload never waits for a
// process to start (~40 ms).
const SPARES = 2;
// Actions run without filesystem writes (node22: "Filesystem write access has been disabled"),
// which a process cannot drop once started: they get spares of their own, once the first
// action has run.
const ACTION_SPARES = 1;

// Node 20–22.12 call the permission model --experimental-permission, later ones --permission;
// the binary's own flag table says which (the sandboxes run this same binary).
function permissionFlag() {
  const flags = process.allowedNodeEnvironmentFlags;
  if (flags.has('--permission')) return '--permission';
  if (flags.has('--experimental-permission')) return '--experimental-permission';
  return null;
}

// ---------------------------------------------------------------------------------------------
// The supervisor.

function supervisor(options) {
  const hooks = new Map();
  let version = 0;

  const send = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
  const flag = permissionFlag();
  const pool = new Pool({
    maxWorkers: Math.max(1, options.maxWorkers || 4),
    memoryMb: options.memoryMb || 256,
    nodeModulesBase: options.nodeModulesBase || null,
    tmpDir: options.tmpDir || fs.mkdtempSync(path.join(os.tmpdir(), 'hooktui-sandboxes-')),
    flag,
    send,
  });

  const onRequest = (line) => {
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
        pool.obsolete(h.name, version);
        send({ type: 'loaded', seq: msg.seq, hook: h.name, ok: !error, error: error || undefined });
        break;
      }
      case 'unload':
        hooks.delete(msg.hook);
        pool.obsolete(msg.hook, null);
        break;
      case 'run': {
        const hook = hooks.get(msg.hook);
        const none = { durationMs: 0, warnings: [], logsDropped: 0, crash: null };
        if (!hook) {
          send({ type: 'result', id: msg.id, envelope: { status: 'error', data: { message: `hook ${msg.hook} is not loaded` } },
            ...none, location: null });
        } else if (hook.compileError) {
          const e = hook.compileError;
          const data = { stack: e.stack, message: COMPILE_ERROR_MESSAGE, error_description: e.message };
          send({ type: 'result', id: msg.id, envelope: { status: 'error', data }, ...none,
            location: { line: e.line, column: e.column } });
        } else if (!flag) {
          send({ type: 'result', id: msg.id, envelope: { status: 'error', data: {
            message: `Node.js ${process.version} has no permission model to run hooks in; hooktui needs Node.js 20 or newer` } },
          ...none, location: null });
        } else {
          // The sandbox gets the request line as Python sent it: no second encoding.
          pool.submit({ id: msg.id, hook, line, timeoutMs: msg.timeoutMs || 20000, logLimit: msg.logLimit || 1000 });
        }
        break;
      }
      case 'ping':
        pool.measure((sandboxRss) => {
          const mem = process.memoryUsage();
          send({ type: 'pong', seq: msg.seq, rss: mem.rss + sandboxRss, supervisorRss: mem.rss, heapUsed: mem.heapUsed,
            workers: pool.size(), spares: pool.spareCount() });
        });
        break;
      case 'shutdown':
        process.exit(0);
        break;
      default:
        send({ type: 'protocol-error', message: 'unknown op ' + JSON.stringify(msg.op) });
    }
  };
  // Lines split by hand rather than by readline, whose interface costs ~10 µs of every run here.
  let pending = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    pending += chunk;
    let start = 0;
    let nl;
    while ((nl = pending.indexOf('\n', start)) >= 0) {
      const line = pending.charCodeAt(nl - 1) === 13 ? pending.slice(start, nl - 1) : pending.slice(start, nl);
      start = nl + 1;
      onRequest(line);
    }
    pending = start === 0 ? pending : pending.slice(start);
  });
  // The Python side went away: nothing left to serve.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.on('exit', () => pool.closeAll());
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => process.exit(0));
  send({ type: 'ready', node: process.version, pid: process.pid, permission: flag });
}

// A syntax error with the user's own line and column; null when the script compiles.
// Compiling runs none of the hook's code, so it is safe here.
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

// ---------------------------------------------------------------------------------------------
// The pool: at most maxWorkers sandboxes serve hooks, plus up to SPARES unassigned ones. A run
// goes to an idle sandbox of its hook version, else to a spare, else waits in the queue.

class Pool {
  constructor(opts) {
    this.opts = opts;
    this.all = new Set();
    this.queue = [];
    this.meter = new MemoryMeter();
    this.sampler = null;
    this.pumpScheduled = false;
    this.startFailures = 0; // sandboxes in a row that died before they were ready
    this.broken = null; // why no sandbox can start, once that is certain
    if (opts.flag) this.refill();
  }

  size() {
    return this.all.size;
  }

  spareCount(kind) {
    let n = 0;
    for (const s of this.all) if (s.key === null && (kind === undefined || s.spareKind === kind)) n += 1;
    return n;
  }

  assignedCount() {
    let n = 0;
    for (const s of this.all) if (s.key !== null && !s.leaving) n += 1;
    return n;
  }

  refill() {
    if (this.broken !== null) return;
    while (this.spareCount('hook') < Math.min(SPARES, this.opts.maxWorkers)) this.all.add(new Sandbox(this, this.opts, 'hook'));
    if (!this.actionsSeen) return;
    while (this.spareCount('action') < Math.min(ACTION_SPARES, this.opts.maxWorkers)) this.all.add(new Sandbox(this, this.opts, 'action'));
  }

  submit(job) {
    if (this.broken !== null) return this.failJob(job, this.broken);
    if (job.hook.kind === 'action' && !this.actionsSeen) this.actionsSeen = true;
    this.queue.push(job);
    this.pump();
    if (this.queue.length > 0 && this.queue[this.queue.length - 1] === job) {
      job.queued = true;
      this.opts.send({ type: 'queued', id: job.id });
    }
  }

  // For callers inside pump(): a second pump must not start the job the first one is placing.
  pumpSoon() {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  pump() {
    let tookSpare = false;
    while (this.queue.length > 0) {
      const sandbox = this.acquire(this.queue[0].hook);
      if (!sandbox) break;
      tookSpare = tookSpare || sandbox.runs === 0;
      sandbox.start(this.queue.shift());
    }
    if (!tookSpare || this.spareCount() === 0) {
      this.refill();
    } else if (this.refillTimer === undefined || this.refillTimer === null) {
      // A new process starting costs ~40 ms of CPU: on two cores that would slow the very run
      // that took the spare (the first after a save). The next spare starts once that run is
      // answered, or after 100 ms at the latest.
      this.refillTimer = setTimeout(() => this.refillNow(), 100);
    }
  }

  refillNow() {
    if (this.refillTimer) clearTimeout(this.refillTimer);
    this.refillTimer = null;
    this.refill();
  }

  acquire(hook) {
    const key = hook.name + '@' + hook.version;
    const kind = hook.kind === 'action' ? 'action' : 'hook';
    let spare = null;
    let oldest = null;
    for (const s of this.all) {
      if (s.dead || s.leaving || s.job) continue;
      if (s.key === key && s.ready) return s;
      if (s.key === null && s.ready && spare === null && s.spareKind === kind) spare = s;
      if (s.key !== null && (oldest === null || s.lastUsed < oldest.lastUsed)) oldest = s;
    }
    if (spare === null) return null; // one is starting; pump() runs again when it is ready
    if (this.assignedCount() >= this.opts.maxWorkers) {
      // Every place is taken: the sandbox idle the longest, of another hook, makes room.
      if (oldest === null) return null;
      oldest.retireSoon();
    }
    spare.assign(hook, key);
    return spare;
  }

  // A new version of a hook was loaded (or it was unloaded): its older sandboxes serve no one.
  obsolete(name, currentVersion) {
    for (const s of this.all) {
      if (s.hookName === name && s.version !== currentVersion) {
        s.obsolete = true;
        if (!s.job) s.retireSoon();
      }
    }
  }

  release(sandbox) {
    if (sandbox.obsolete || sandbox.lateLines > LATE_LINES_RETIRE) sandbox.retireSoon();
    this.pump();
    if (this.refillTimer) setImmediate(() => this.refillNow());
  }

  forget(sandbox, reason) {
    this.all.delete(sandbox);
    if (reason) this.opts.send({ type: 'worker', event: 'restarted', reason });
    this.pumpSoon();
  }

  started() {
    this.startFailures = 0;
  }

  // A sandbox died before it was ready. Three in a row: it will not get better by retrying
  // (a broken node, no permission to spawn); every run says why instead of waiting forever.
  startFailed(reason) {
    this.startFailures += 1;
    if (this.startFailures < 3) return;
    this.broken = reason;
    for (const job of this.queue.splice(0)) this.failJob(job, reason);
  }

  failJob(job, reason) {
    this.opts.send({ type: 'result', id: job.id, envelope: { status: 'error', data: {
      message: 'hooktui cannot start a sandbox to run the hook', error_description: reason } },
    durationMs: 0, warnings: [], logsDropped: 0, location: null, crash: 'executor' });
  }

  // Memory outside the V8 heap (Buffers, ArrayBuffers) is not bounded by V8's flags: while a
  // run is going, the resident size of its process is checked every 10 ms.
  watchMemory() {
    if (this.sampler !== null) return;
    this.sampler = setInterval(() => {
      let busy = 0;
      for (const s of this.all) {
        if (!s.job || s.dead) continue;
        busy += 1;
        this.meter.rss(s.child.pid, (rss) => {
          if (rss > s.rssLimit && s.job && !s.dead) s.overMemory(rss);
        });
      }
      if (busy === 0) {
        clearInterval(this.sampler);
        this.sampler = null;
      }
    }, this.meter.intervalMs);
  }

  measure(done) {
    let total = 0;
    let left = this.all.size;
    if (left === 0) return done(0);
    for (const s of this.all) {
      this.meter.rss(s.child.pid, (rss) => {
        total += rss || 0;
        if (--left === 0) done(total);
      });
    }
  }

  closeAll() {
    for (const s of this.all) s.kill();
  }
}

// A process's resident memory: /proc on Linux (a 20 µs read), `ps` elsewhere (a spawn, so
// less often).
class MemoryMeter {
  constructor() {
    this.procfs = false;
    try {
      const pages = Number(fs.readFileSync('/proc/self/statm', 'utf8').split(' ')[1]);
      // The page size, from this process's own two figures.
      this.pageSize = 2 ** Math.round(Math.log2(process.memoryUsage().rss / pages));
      this.procfs = pages > 0;
    } catch (e) {
      this.procfs = false;
    }
    this.intervalMs = this.procfs ? 10 : 250;
  }

  rss(pid, done) {
    if (!pid) return done(0);
    if (this.procfs) {
      let rss = 0;
      try {
        rss = Number(fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * this.pageSize;
      } catch (e) {
        rss = 0; // already gone
      }
      return done(rss);
    }
    execFile('ps', ['-o', 'rss=', '-p', String(pid)], (err, out) => done(err ? 0 : Number(String(out).trim()) * 1024 || 0));
  }
}

supervisor(JSON.parse(process.argv[2] || '{}'));
