'use strict';
// One sandbox process, seen from the supervisor (runner.js): it starts the child under Node's
// permission model with what it may read, hands it one hook or action version, relays its runs,
// holds each run's time limit, and turns a crash, an exit, a timeout or memory over the limit into
// that run's error. No user code runs in this process either.

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const SANDBOX = path.join(__dirname, 'sandbox.js');
// What a sandbox loads of ours besides itself: the webtask contract of hooks, the event and api of
// actions, their module scope.
const SANDBOX_MODULES = ['webtask.js', 'action_run.js', 'actions_api.js', 'post_login_api.js', 'action_scope.js'].map((f) => path.join(__dirname, f));
const TIMEOUT_MESSAGE = 'Request to Webtask exceeded allowed execution time';
const MAX_LINE = 16384;
// A sandbox's own V8, code and libraries take this much memory before any hook allocates:
// it is added to the memory limit when the process's resident size is checked.
const NODE_ALLOWANCE_MB = 64;
// What a sandbox may print after its run ended, before it is silenced, then retired.
const LATE_LINES = 200;
const LATE_LINES_RETIRE = 5000;
const PROBE_MS = 250;
const RETIRE_DELAY_MS = 300;
const RESULT_KEYS = new Set(['type', 'id', 'envelope', 'durationMs', 'warnings', 'logsDropped', 'location']);

let sandboxCount = 0;

class Sandbox {
  constructor(pool, opts, spareKind) {
    this.pool = pool;
    this.opts = opts;
    this.spareKind = spareKind === 'action' ? 'action' : 'hook';
    this.key = null; // "name@version" once assigned
    this.hookName = null;
    this.version = null;
    this.job = null;
    this.ready = false;
    this.dead = false;
    this.obsolete = false;
    this.leaving = false;
    this.lastUsed = 0;
    this.runs = 0;
    this.lateLines = 0;
    this.lastRunId = null;
    this.stderrTail = '';
    this.rssLimit = (opts.memoryMb + NODE_ALLOWANCE_MB) * 1024 * 1024;
    this.dir = path.join(opts.tmpDir, `sandbox-${process.pid}-${++sandboxCount}`);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.child = spawn(process.execPath, this.arguments(), {
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      env: this.environment(),
      cwd: this.dir,
    });
    this.child.on('error', () => this.onClose(null, null));
    this.child.stdin.on('error', () => {});
    this.child.on('close', (code, signal) => this.onClose(code, signal));
    this.readLines(this.child.stdio[3], (line) => this.onEvent(line), 256 * 1024 * 1024);
    this.readLines(this.child.stdout, (line) => this.onRaw('info', line), MAX_LINE);
    this.readLines(this.child.stderr, (line) => this.onRaw('error', line), MAX_LINE);
  }

  arguments() {
    const readable = [SANDBOX, ...SANDBOX_MODULES, this.dir + path.sep];
    const modules = this.opts.nodeModulesBase && path.join(this.opts.nodeModulesBase, 'node_modules');
    if (modules) {
      readable.push(modules + path.sep);
      // Packages resolve through their real paths: a symlinked folder must be readable as such.
      try {
        const real = fs.realpathSync(modules);
        if (real !== modules) readable.push(real + path.sep);
      } catch (e) {
        // not installed yet: require says so
      }
    }
    return [
      this.opts.flag,
      ...readable.map((p) => '--allow-fs-read=' + p),
      ...(this.spareKind === 'action' ? [] : ['--allow-fs-write=' + this.dir + path.sep]),
      '--no-warnings',
      // (an explicit --max-semi-space-size costs ~40 ms at every start; V8's default is 16 MB)
      `--max-old-space-size=${this.opts.memoryMb}`,
      SANDBOX,
      JSON.stringify({ nodeModulesBase: this.opts.nodeModulesBase, kind: this.spareKind }),
    ];
  }

  // Next to nothing of the developer's: on Auth0 a hook saw none of it either.
  environment() {
    const env = { HOME: this.dir, TMPDIR: this.dir };
    for (const [k, v] of Object.entries(process.env)) {
      if (k === 'TZ' || k === 'LANG' || k.startsWith('LC_')) env[k] = v;
    }
    return env;
  }

  readLines(stream, onLine, maxLine) {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('error', () => {});
    stream.on('data', (chunk) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        onLine(line);
      }
      if (buffered.length > maxLine) {
        onLine(buffered);
        buffered = '';
      }
    });
  }

  assign(hook, key) {
    this.key = key;
    this.hookName = hook.name;
    this.version = hook.version;
    this.kind = hook.kind === 'action' ? 'action' : 'hook';
    this.write(JSON.stringify({ type: 'assign', hook: {
      name: hook.name, version: hook.version, kind: this.kind, trigger: hook.trigger, filename: hook.filename, source: hook.source,
      dependencies: hook.dependencies || {}, metaFile: hook.metaFile || null,
    } }));
  }

  write(line) {
    if (!this.dead) this.child.stdin.write(line + '\n');
  }

  start(job) {
    this.runs += 1;
    this.job = job;
    job.forwarded = 0;
    job.dropped = 0;
    this.exitCalled = null;
    this.crashDetail = null;
    this.probeAnswered = false;
    this.startedAt = process.hrtime.bigint();
    this.lastRunId = job.id;
    this.lastUsed = Date.now();
    this.timer = setTimeout(() => this.onTimeout(job.timeoutMs), job.timeoutMs);
    if (job.queued) this.opts.send({ type: 'started', id: job.id });
    this.write(job.line);
    this.pool.watchMemory();
  }

  onEvent(line) {
    let m;
    try {
      m = JSON.parse(line);
    } catch (e) {
      return; // not ours: a hook writing to fd 3 can only garble its own run
    }
    if (m === null || typeof m !== 'object') return;
    const job = this.job;
    switch (m.type) {
      case 'ready':
        // One round trip before the first run: a fresh process reads its first line and
        // writes its first event through code Node loads lazily (~2–7 ms once).
        if (!this.ready) this.write('{"type":"probe"}');
        break;
      case 'log':
        if (job && m.id === job.id) this.forward(job, level(m.level), String(m.text), Number(m.time) || Date.now());
        else this.late(level(m.level), String(m.text));
        break;
      case 'late':
        this.late(level(m.level), String(m.text));
        break;
      case 'result':
        // Only the run this sandbox is running: a forged line for another id resolves nothing.
        if (job && m.id === job.id) this.succeed(job, m, line);
        break;
      case 'exit-called':
        if (job) this.exitCalled = { how: m.how === 'abort' ? 'abort' : 'exit', code: m.code };
        break;
      case 'crash':
        if (job) this.crashDetail = String(m.detail || '');
        break;
      case 'pong':
        if (!this.ready) {
          this.ready = true;
          this.pool.started();
          this.pool.pump();
        } else {
          this.probeAnswered = true;
        }
        break;
    }
  }

  // Bytes written to fd 1 or 2 directly: the current run's output all the same, under its cap.
  onRaw(lvl, text) {
    if (lvl === 'error') this.stderrTail = (this.stderrTail + text + '\n').slice(-4096);
    if (this.job) this.forward(this.job, lvl, text, Date.now());
    else if (this.ready) this.late(lvl, text);
  }

  // The supervisor's own cap, whatever the sandbox claims about its count.
  forward(job, lvl, text, time) {
    if (job.forwarded >= job.logLimit + 2) {
      job.dropped += 1;
      return;
    }
    job.forwarded += 1;
    if (text.length > MAX_LINE + 64) text = text.slice(0, MAX_LINE) + ` … [${text.length - MAX_LINE} more characters]`;
    this.opts.send({ type: 'log', id: job.id, hook: job.hook.name, level: lvl, text, time });
  }

  late(lvl, text) {
    this.lateLines += 1;
    if (this.lateLines <= LATE_LINES) {
      if (text.length > MAX_LINE + 64) text = text.slice(0, MAX_LINE) + ` … [${text.length - MAX_LINE} more characters]`;
      this.opts.send({ type: 'late', id: this.lastRunId, hook: this.hookName || '', level: lvl, text });
    } else if (this.lateLines === LATE_LINES + 1) {
      this.opts.send({ type: 'late', id: this.lastRunId, hook: this.hookName || '', level: 'warn',
        text: `[hooktui] ${this.hookName} goes on printing after its runs ended; further late output is dropped` });
    } else if (this.lateLines > LATE_LINES_RETIRE && !this.job) {
      this.retire(`${this.hookName} kept printing after its runs ended`);
    }
  }

  // A result line goes to Python as the sandbox wrote it when every field is what Python expects
  // (the usual case: no second encoding); otherwise it is rebuilt from what is valid. A hook can
  // garble its own result, never another's, nor the reader that serves every run.
  succeed(job, m, line) {
    const envelopeOk = m.envelope !== null && typeof m.envelope === 'object' && !Array.isArray(m.envelope) &&
      (m.envelope.status === 'success' || m.envelope.status === 'error');
    const warningsOk = Array.isArray(m.warnings) && m.warnings.length <= 100 &&
      m.warnings.every((w) => typeof w === 'string' && w.length <= MAX_LINE);
    const locationOk = m.location === null ||
      (m.location !== undefined && typeof m.location === 'object' && Number.isInteger(m.location.line) && Number.isInteger(m.location.column));
    const countsOk = Number.isFinite(m.durationMs) && Number.isInteger(m.logsDropped) && m.logsDropped >= 0;
    const known = Object.keys(m).every((k) => RESULT_KEYS.has(k));
    this.finish();
    if (envelopeOk && warningsOk && locationOk && countsOk && known && job.dropped === 0) {
      process.stdout.write(line + '\n');
    } else {
      const warnings = Array.isArray(m.warnings) ? m.warnings.slice(0, 100).map((w) => String(w).slice(0, MAX_LINE)) : [];
      if (job.dropped > 0) {
        warnings.push(`${job.dropped} line(s) written around the run's console were dropped: each run keeps at most ${job.logLimit} lines`);
      }
      this.opts.send({
        type: 'result',
        id: job.id,
        envelope: envelopeOk ? m.envelope : { status: 'error', data: { message: 'the hook sandbox sent no valid envelope' } },
        durationMs: Number.isFinite(m.durationMs) ? m.durationMs : 0,
        warnings,
        logsDropped: (Number.isInteger(m.logsDropped) && m.logsDropped >= 0 ? m.logsDropped : 0) + job.dropped,
        location: locationOk && m.location ? { line: m.location.line, column: m.location.column } : null,
        crash: null,
      });
    }
    this.pool.release(this);
  }

  finish() {
    clearTimeout(this.timer);
    clearTimeout(this.probeTimer);
    this.job = null;
    this.lastUsed = Date.now();
  }

  // The run ended without a result from the sandbox: report it as an error envelope.
  fail(kind, message, detail) {
    const job = this.job;
    if (!job) return;
    if (this.kind === 'action') {
      // The crash messages below are written for hooks: an action ends when its promise settles.
      message = message.replace(/\bhook\b/g, 'action').replace('which ends the webtask', 'which ends the action\'s process');
      if (detail) detail = detail.replace(/a hook must finish by calling cb\(err, result\)/, 'an action finishes when its handler\'s promise settles');
    }
    const durationMs = Number(process.hrtime.bigint() - this.startedAt) / 1e6;
    const dropped = job.dropped;
    this.finish();
    const data = { message };
    if (detail) data.error_description = detail;
    this.opts.send({ type: 'result', id: job.id, envelope: { status: 'error', data }, durationMs, warnings: [],
      logsDropped: dropped, location: null, crash: kind });
  }

  onTimeout(timeoutMs) {
    // Is the sandbox's event loop still turning (the hook waits for something and never
    // called back) or is it stuck in a synchronous loop? A probe tells the two apart.
    this.write('{"type":"probe"}');
    this.probeTimer = setTimeout(() => {
      const secs = (timeoutMs / 1000).toFixed(timeoutMs % 1000 ? 1 : 0);
      if (this.kind === 'action') {
        this.fail('timeout', `The action did not finish within ${secs} s, the limit of one trigger execution on Auth0`, this.probeAnswered
          ? 'its handler\'s promise never settled: check that everything it awaits resolves or rejects (a request without a timeout?)'
          : `the action blocked its thread for ${secs} s without returning (a synchronous infinite loop?); it was stopped`);
        this.retire('an action run timed out');
        return;
      }
      const detail = this.probeAnswered
        ? `the hook did not call its callback within ${secs} s: check that every code path calls cb(err, result), including error branches`
        : `the hook blocked its thread for ${secs} s without returning (a synchronous infinite loop?); it was stopped`;
      this.fail('timeout', TIMEOUT_MESSAGE, detail);
      this.retire('a hook run timed out');
    }, PROBE_MS);
  }

  overMemory(rss) {
    const mb = this.opts.memoryMb;
    this.fail('oom', `The hook ran out of memory (limit ${mb} MB) and was stopped`,
      `its process reached ${Math.round(rss / 1048576)} MB: Buffers, ArrayBuffers and typed arrays count against the limit ` +
      `as well as the JavaScript heap (${mb} MB for the hook + ${NODE_ALLOWANCE_MB} MB for Node.js itself)`);
    this.retire('a hook ran out of memory');
  }

  onClose(code, signal) {
    if (this.dead) return;
    this.dead = true;
    this.cleanUp();
    let reason = null;
    if (this.job) {
      const mb = this.opts.memoryMb;
      if (/heap out of memory|Reached heap limit|Allocation failed/.test(this.stderrTail)) {
        this.fail('oom', `The hook ran out of memory (limit ${mb} MB) and was stopped`, 'the JavaScript heap reached its limit');
        reason = 'a hook ran out of memory';
      } else if (this.crashDetail !== null) {
        this.fail('uncaught', 'The hook crashed with an uncaught exception (thrown outside the hook function, e.g. in a timer callback or an unhandled promise rejection)',
          this.crashDetail);
        reason = 'a hook crashed';
      } else if (this.exitCalled) {
        const { how, code: c } = this.exitCalled;
        this.fail('exit', `The hook called process.${how}(${c === null || c === undefined ? '' : c}), which ends the webtask`,
          'a hook must finish by calling cb(err, result), never by exiting the process');
        reason = `a hook called process.${how}()`;
      } else if (signal) {
        this.fail('exit', `The hook's sandbox process was killed (${signal})`,
          'a hook must finish by calling cb(err, result); it may signal only its own process');
        reason = `a hook's sandbox was killed (${signal})`;
      } else {
        const tail = this.stderrTail.trim().split('\n').slice(-5).join('\n');
        this.fail('exit', `The hook's sandbox stopped unexpectedly (exit code ${code})`, tail || undefined);
        reason = `sandbox exited with code ${code}`;
      }
    } else if (!this.ready) {
      const tail = this.stderrTail.trim().split('\n').slice(-3).join(' ');
      reason = `a sandbox did not start (${signal || 'exit code ' + code})${tail ? ': ' + tail : ''}`;
      this.pool.startFailed(reason);
    } else {
      reason = `an idle sandbox of ${this.hookName || 'no hook yet'} stopped (${signal || 'exit code ' + code})`;
    }
    this.pool.forget(this, reason);
  }

  // Killing a process costs the machine a few ms (its memory is torn down): on two cores that
  // slowed the run that made it obsolete (the first after a save). It serves no one from now,
  // and goes a moment later.
  retireSoon() {
    if (this.leaving || this.dead) return;
    this.leaving = true;
    setTimeout(() => this.retire(null), RETIRE_DELAY_MS);
  }

  retire(reason) {
    if (this.dead) return;
    this.dead = true;
    this.child.removeAllListeners('close');
    this.kill();
    this.cleanUp();
    this.pool.forget(this, reason);
  }

  kill() {
    try {
      this.child.kill('SIGKILL');
    } catch (e) {
      // already gone
    }
  }

  cleanUp() {
    fs.rm(this.dir, { recursive: true, force: true }, () => {});
  }
}

function level(l) {
  return l === 'debug' || l === 'warn' || l === 'error' ? l : 'info';
}

module.exports = { Sandbox, LATE_LINES_RETIRE };
