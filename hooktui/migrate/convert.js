'use strict';
// hook -> action: parses a hook with acorn and rewrites it by source-range splices guided by the
// AST, so the user's formatting and comments survive. Reads {"code", "trigger"} as JSON on stdin
// and writes {"code", "dependencies", "manual": [{line, hook_line, construct, reason, advice}]} or
// {"error", "line"}. What has no action equivalent gets a `// MIGRATE:` comment and a manual item.

const acorn = require('./vendor/acorn.js');
const { walk, isFunction, isReference, declaringScope } = require('./scope.js');
const { TRIGGERS, ERROR_CLASSES } = require('./triggers.js');

const FS_WRITES = new Set(['writeFile', 'writeFileSync', 'appendFile', 'appendFileSync', 'mkdir', 'mkdirSync', 'rm', 'rmSync',
  'unlink', 'unlinkSync', 'rename', 'renameSync', 'createWriteStream', 'copyFile', 'copyFileSync', 'rmdir', 'rmdirSync']);

class Conversion {
  constructor(code, triggerId) {
    this.src = code;
    this.trigger = TRIGGERS[triggerId];
    this.triggerId = triggerId;
    this.leaf = []; // {start, end, text}: rewrites of inputs and requires
    this.outer = []; // {start, end, text}: whole statements (callbacks), built from leaf-rewritten text
    this.notes = []; // {at, construct, reason, advice}
    this.dependencies = {};
    this.helpers = new Set();
    this.prologue = new Set();
    this.reassigned = new Set(); // parameters the hook assigns: their rebuilt object is a let
  }

  note(node, construct, reason, advice) {
    if (!this.notes.some((n) => n.at === node.start && n.construct === construct)) {
      this.notes.push({ at: node.start, construct, reason, advice });
    }
  }

  text(node) {
    let out = this.src.slice(node.start, node.end);
    const inner = this.leaf.filter((s) => s.start >= node.start && s.end <= node.end).sort((a, b) => b.start - a.start);
    for (const s of inner) out = out.slice(0, s.start - node.start) + s.text + out.slice(s.end - node.start);
    return out;
  }

  lineOf(offset) {
    return this.src.slice(0, offset).split('\n').length;
  }

  indentAt(offset) {
    const lineStart = this.src.lastIndexOf('\n', offset - 1) + 1;
    return /^[ \t]*/.exec(this.src.slice(lineStart))[0];
  }

  run() {
    let ast;
    try {
      ast = acorn.parse(this.src, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true,
        allowReturnOutsideFunction: true, locations: true });
    } catch (e) {
      return { error: `the hook is not valid JavaScript: ${e.message.replace(/ \(\d+:\d+\)$/, '')}`, line: e.loc ? e.loc.line : null };
    }
    this.ast = ast;
    const exported = ast.body.find((s) => s.type === 'ExpressionStatement' && s.expression.type === 'AssignmentExpression'
      && isModuleExports(s.expression.left));
    if (!exported || !isFunction(exported.expression.right)) {
      return { error: 'the hook does not assign a function to module.exports (`module.exports = function (...) {...}`); '
        + 'hooktui migrate converts that form only: write it so, or convert this hook by hand', line: exported ? exported.loc.start.line : null };
    }
    const fn = exported.expression.right;
    this.fn = fn;
    this.roles = {};
    fn.params.forEach((p, i) => { if (p.type === 'Identifier' && this.trigger.params[i]) this.roles[p.name] = this.trigger.params[i]; });
    this.names = this.freeNames(fn);
    this.moduleChecks(ast);
    this.inputs(fn);
    const promise = this.callbacks(fn);
    return this.emit(exported, fn, promise);
  }

  freeNames(fn) {
    const used = new Set();
    walk(fn, (node, ancestors) => {
      const parent = ancestors[ancestors.length - 1];
      const key = parent && ((parent.type === 'MemberExpression' && parent.property === node && !parent.computed)
        || (parent.type === 'Property' && parent.key === node && !parent.computed && !parent.shorthand));
      if (node.type === 'Identifier' && !key) used.add(node.name);
    });
    const pick = (name, other) => (used.has(name) && !this.roles[name] ? other : name);
    return { event: pick('event', 'auth0Event'), api: pick('api', 'auth0Api'), resolve: pick('resolve', 'resolveHook'), reject: pick('reject', 'rejectHook') };
  }

  // The tables spell the action's parameter `event`; a hook that uses that name gets another.
  named(text) {
    return this.names.event === 'event' ? text : text.replace(/\bevent\./g, `${this.names.event}.`);
  }

  // --- what the hook reads: its parameters become event fields -------------------------------
  inputs(fn) {
    walk(fn.body, (node, ancestors) => {
      if (node.type !== 'Identifier') return;
      const parent = ancestors[ancestors.length - 1];
      const role = this.roles[node.name];
      if (!role || role === 'cb' || !isReference(node, parent, ancestors[ancestors.length - 2])) return;
      if (declaringScope(node.name, [fn, ...ancestors]) !== fn) return;
      if ((parent.type === 'AssignmentExpression' && parent.left === node) || parent.type === 'UpdateExpression') this.reassigned.add(role);
      this.input(node, role, ancestors);
    });
  }

  input(node, role, ancestors) {
    const fields = this.trigger.fields[role] || {};
    const chain = [node];
    const path = [];
    for (let i = ancestors.length - 1; i >= 0; i--) {
      const m = ancestors[i];
      if (m.type !== 'MemberExpression' || m.object !== chain[chain.length - 1]) break;
      const key = !m.computed ? m.property.name : (m.property.type === 'Literal' && typeof m.property.value === 'string' ? m.property.value : null);
      if (key === null) break;
      path.push(key);
      chain.push(m);
    }
    const dotted = path.join('.');
    if (role === 'context' && dotted.startsWith('webtask.') && !dotted.startsWith('webtask.secrets')) {
      const storage = dotted.startsWith('webtask.storage');
      this.note(node, `context.${dotted}`, storage ? 'Actions have no webtask storage: "Actions cannot persist data across executions."'
        : `context.${dotted} is part of the webtask runtime, which actions do not have.`,
      storage ? 'Keep the data in your own store (called with a secret), or in api.cache for data that may be lost.'
        : 'Rewrite this with event fields, or drop it.');
      return;
    }
    if (role === 'context' && dotted === 'webtask') {
      // Read for its secrets (`context.webtask && context.webtask.secrets`): an object holding them.
      this.leaf.push({ start: chain[1].start, end: chain[1].end, text: this.named('({ secrets: event.secrets })') });
      return;
    }
    if (role === 'user' && path[0] === 'password') {
      this.note(node, 'user.password', 'Actions do not receive the password of the user who signs up.', 'Remove the password check; validate passwords with the connection\'s password policy.');
      return;
    }
    for (let n = path.length; n >= 0; n--) {
      const key = path.slice(0, n).join('.');
      if (!(key in fields)) continue;
      if (key === 'webtask' && path.length > 1) continue;
      const target = chain[n];
      const parent = ancestors[ancestors.length - 1];
      const replacement = this.named(fields[key]);
      if (n === 0 && parent && parent.type === 'Property' && parent.shorthand) {
        this.leaf.push({ start: parent.start, end: parent.end, text: `${node.name}: ${replacement}` });
      } else {
        this.leaf.push({ start: target.start, end: target.end, text: replacement });
      }
      return;
    }
    if (path.length) {
      this.note(node, `${role}.${dotted}`, `the hook's ${role}.${path[0]} has no known field in the action's event.`,
        'Find the value in the event object of this trigger (Auth0\'s Actions reference) and use it here.');
    }
    this.prologue.add(role);
  }

  // --- cb: the callback becomes returns and api calls ----------------------------------------
  callbacks(fn) {
    const cbName = Object.keys(this.roles).find((n) => this.roles[n] === 'cb');
    this.cbName = cbName;
    if (!cbName) return false;
    const calls = [];
    let direct = true;
    walk(fn.body, (node, ancestors) => {
      if (node.type !== 'Identifier' || node.name !== cbName) return;
      const parent = ancestors[ancestors.length - 1];
      if (!isReference(node, parent, ancestors[ancestors.length - 2])) return;
      if (declaringScope(cbName, [fn, ...ancestors]) !== fn) return;
      const nearestFn = [...ancestors].reverse().find(isFunction);
      const statement = ancestors[ancestors.length - 2];
      const ok = parent.type === 'CallExpression' && parent.callee === node && !nearestFn && statement
        && ((statement.type === 'ExpressionStatement' && statement.expression === parent)
          || (statement.type === 'ReturnStatement' && statement.argument === parent));
      if (!ok) direct = false;
      calls.push({ call: parent, statement, ancestors: [...ancestors] });
    });
    if (!direct) return true;
    const last = fn.body.type === 'BlockStatement' ? fn.body.body[fn.body.body.length - 1] : null;
    for (const { call, statement, ancestors } of calls) {
      const lines = this.outcome(call);
      const container = ancestors[ancestors.length - 3];
      const ends = lines.length && lines[lines.length - 1].startsWith('throw ');
      const inBlock = container && (container.type === 'BlockStatement' || container.type === 'Program' || container.type === 'SwitchCase');
      const siblings = inBlock ? (container.body || container.consequent) : [];
      const next = siblings[siblings.indexOf(statement) + 1];
      const returnsNext = next && next.type === 'ReturnStatement' && !next.argument;
      if (!ends && statement !== last && !returnsNext) lines.push('return;');
      const indent = this.indentAt(statement.start);
      const ownLine = /^[ \t]*$/.test(this.src.slice(this.src.lastIndexOf('\n', statement.start - 1) + 1, statement.start));
      let text;
      if (!lines.length) text = '/* the hook called cb() here: the action ends by returning */';
      else if (inBlock) text = lines.join(ownLine ? `\n${indent}` : ' ');
      else text = `{ ${lines.join(' ')} }`;
      this.outer.push({ start: statement.start, end: statement.end, text });
    }
    return false;
  }

  isNullish(node) {
    return !node || (node.type === 'Literal' && node.value === null) || (node.type === 'Identifier' && node.name === 'undefined');
  }

  isGlobal(node) {
    return node.type === 'Identifier' && !declaringScope(node.name, this.ancestorsOf(node));
  }

  ancestorsOf(target) {
    let found = [];
    walk(this.ast, (node, ancestors) => { if (node === target) found = [...ancestors]; });
    return found;
  }

  outcome(call) {
    const [err, res] = call.arguments;
    const { api } = this.names;
    const kind = this.trigger.kind;
    if (!this.isNullish(err)) {
      if (kind === 'ignored') return [`throw ${this.text(err)};`];
      const cls = err.type === 'NewExpression' && err.callee.type === 'Identifier' && this.isGlobal(err.callee) ? err.callee.name : null;
      const args = err.type === 'NewExpression' ? err.arguments : [];
      if (cls && cls in this.trigger.errors && !args.some((a) => a.type === 'SpreadElement')) {
        const message = args[0] ? this.text(args[0]) : "''";
        if (kind === 'token') return [`${api}.access.deny('${this.trigger.errors[cls]}', ${message});`];
        const simple = !args[0] || ['Literal', 'Identifier', 'TemplateLiteral', 'BinaryExpression', 'MemberExpression'].includes(args[0].type);
        if (args[1] || simple) return [`${api}.access.deny(${message}, ${args[1] ? this.text(args[1]) : message});`];
      }
      this.helpers.add('deny');
      return [`denyAsHookError(${api}, ${this.text(err)});`];
    }
    if (kind === 'ignored') return [];
    if (kind === 'token') return this.tokenResult(res, call);
    return this.registrationResult(res);
  }

  tokenResult(res, call) {
    const { api, event } = this.names;
    if (res && res.type === 'ObjectExpression' && res.properties.every((p) => p.type === 'Property' && p.kind === 'init')) {
      const lines = [];
      let scoped = false;
      for (const p of res.properties) {
        const key = p.computed ? null : (p.key.type === 'Identifier' ? p.key.name : String(p.key.value));
        if (key === 'scope') {
          scoped = true;
          if (p.value.type === 'Identifier' && this.roles[p.value.name] === 'scope') continue;
          lines.push(`${api}.transaction.setTargetScopes(${this.text(p.value)});`);
          this.note(p, 'scope', 'The hook changed the token\'s scopes; an action can only set Early Access target scopes, which Auth0 intersects with the client grant.',
            'Check that the client grant allows these scopes, and that your tenant has target scopes enabled.');
          continue;
        }
        if (key !== null && !/^https?:\/\//.test(key)) {
          this.note(p, `claim ${key}`, `Auth0 dropped the claim "${key}" from hook tokens (it is not namespaced), so the action does not set it.`,
            'Use a namespaced claim (an https URL on a host of yours) if the token should carry it.');
          continue;
        }
        lines.push(`${api}.accessToken.setCustomClaim(${key === null ? this.text(p.key) : JSON.stringify(key)}, ${this.text(p.value)});`);
      }
      if (!scoped) {
        this.note(call, 'result without scope', 'A hook result without "scope" reset the token\'s scopes; an action keeps the granted scopes.',
          `If the token must carry no scopes, add ${api}.transaction.setTargetScopes([]) (Early Access).`);
      }
      return lines;
    }
    if (this.isNullish(res)) {
      this.note(call, 'result without scope', 'A hook result without "scope" reset the token\'s scopes; an action keeps the granted scopes.',
        `If the token must carry no scopes, add ${api}.transaction.setTargetScopes([]) (Early Access).`);
      return [];
    }
    this.helpers.add('apply');
    return [`applyTokenResult(${event}, ${api}, ${this.text(res)});`];
  }

  registrationResult(res) {
    const { api, event } = this.names;
    if (this.isNullish(res)) return [];
    const prop = (obj, name) => obj.properties.find((p) => p.type === 'Property' && !p.computed && (p.key.name === name || p.key.value === name));
    const plain = (obj) => obj && obj.type === 'ObjectExpression' && obj.properties.every((p) => p.type === 'Property' && p.kind === 'init' && !p.computed);
    if (plain(res)) {
      const user = prop(res, 'user');
      if (!user) return [];
      if (plain(user.value)) {
        const um = prop(user.value, 'user_metadata');
        const am = prop(user.value, 'app_metadata');
        if ((!um || plain(um.value)) && (!am || plain(am.value))) {
          const lines = [];
          for (const [found, method] of [[um, 'setUserMetadata'], [am, 'setAppMetadata']]) {
            if (!found) continue;
            for (const p of found.value.properties) {
              const key = p.key.type === 'Identifier' ? p.key.name : String(p.key.value);
              lines.push(`${api}.user.${method}(${JSON.stringify(key)}, ${this.text(p.value)});`);
            }
          }
          return lines;
        }
      }
    }
    this.helpers.add('apply');
    return [`applyRegistrationResult(${event}, ${api}, ${this.text(res)});`];
  }

  genericCallback() {
    const { api, event, resolve, reject } = this.names;
    const kind = this.trigger.kind;
    if (kind === 'ignored') return `const ${this.cbName} = (error) => (error ? ${reject}(error) : ${resolve}());`;
    this.helpers.add('deny');
    this.helpers.add('apply');
    const apply = kind === 'token' ? 'applyTokenResult' : 'applyRegistrationResult';
    return `const ${this.cbName} = (error, result) => {\n    if (error) denyAsHookError(${api}, error);\n`
      + `    else ${apply}(${event}, ${api}, result);\n    ${resolve}();\n  };`;
  }

  // --- the rest of the module: what Actions have no equivalent for -----------------------------
  moduleChecks(ast) {
    for (const s of ast.body) {
      if (s.type === 'ExpressionStatement' && s.directive && /^use npm$/.test(s.directive)) {
        this.note(s, "'use npm'", 'Actions have no "use npm": packages are the action\'s dependencies.', 'Declare each package in the action\'s dependencies (the hook\'s are carried over).');
      }
    }
    const fsNames = new Set();
    walk(ast, (node, ancestors) => {
      const parent = ancestors[ancestors.length - 1];
      if (node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === 'require'
        && node.arguments.length === 1 && node.arguments[0].type === 'Literal' && typeof node.arguments[0].value === 'string') {
        const spec = node.arguments[0].value;
        const m = /^((?:@[^/@]+\/)?[^/@]+)@([^/]+)(\/.*)?$/.exec(spec);
        if (m) {
          this.dependencies[m[1]] = m[2];
          this.leaf.push({ start: node.arguments[0].start, end: node.arguments[0].end, text: JSON.stringify(m[1] + (m[3] || '')) });
        }
        if (spec === 'fs' || spec === 'node:fs' || spec === 'fs/promises') {
          if (parent.type === 'VariableDeclarator' && parent.id.type === 'Identifier') fsNames.add(parent.id.name);
          if (parent.type === 'MemberExpression' && !parent.computed && FS_WRITES.has(parent.property.name)) this.fsWrite(parent);
        }
      }
      if (node.type === 'MemberExpression' && !node.computed && node.object.type === 'Identifier' && fsNames.has(node.object.name)
        && FS_WRITES.has(node.property.name)) this.fsWrite(node);
      if (node.type === 'Identifier' && node.name === 'auth0' && isReference(node, parent, ancestors[ancestors.length - 2])
        && !declaringScope('auth0', ancestors)) {
        this.note(node, 'auth0', 'Actions are not provided with an access token for the Management API or access to the global `auth0` object as in Hooks.',
          'Use the node-auth0 ManagementClient with a machine-to-machine application\'s credentials kept in the action\'s secrets.');
      }
    });
    // Module-level variables the handler writes: a hook's webtask kept them between runs.
    const top = new Set();
    for (const s of ast.body) if (s.type === 'VariableDeclaration' && s.kind !== 'const') s.declarations.forEach((d) => d.id.type === 'Identifier' && top.add(d.id.name));
    if (!top.size || !this.fn) return;
    walk(this.fn.body, (node, ancestors) => {
      const target = node.type === 'AssignmentExpression' ? node.left : node.type === 'UpdateExpression' ? node.argument : null;
      if (!target || target.type !== 'Identifier' || !top.has(target.name)) return;
      if (declaringScope(target.name, [this.fn, ...ancestors])) return; // a local of the handler
      this.note(node, target.name, 'The hook keeps data across executions in a module variable: "Actions cannot persist data across executions."',
        'Use api.cache for data that may be lost (15 minutes by default), or your own store.');
    });
  }

  fsWrite(node) {
    this.note(node, `fs.${node.property.name}`, 'Filesystem write access has been disabled in Actions (Node 22).',
      'Send the data to a service of yours instead of a file.');
  }

  // --- the action's text ---------------------------------------------------------------------
  emit(exported, fn, promise) {
    const { event, api, resolve, reject } = this.names;
    const left = exported.expression.left;
    this.outer.push({ start: left.start, end: left.end, text: `exports.${this.trigger.handler}` });
    const bodyStart = fn.body.start;
    const expressionBody = fn.body.type !== 'BlockStatement';
    const inner = [...this.prologue].filter((role) => this.trigger.prologue[role])
      .map((role) => this.named(this.trigger.prologue[role]).replace(/^const /, this.reassigned.has(role) ? 'let ' : 'const '));
    if (this.cbName && promise) inner.push(this.genericCallback());
    const open = `async (${event}, ${api}) => {` + (promise ? `\n  await new Promise((${resolve}, ${reject}) => {` : '')
      + inner.map((line) => `\n  ${line}`).join('');
    const close = promise ? '\n  });\n}' : '\n}';
    if (expressionBody) {
      this.outer.push({ start: fn.start, end: fn.body.start, text: `${open}\n  ` });
      this.outer.push({ start: fn.body.end, end: fn.end, text: `;${close}` });
    } else {
      this.outer.push({ start: fn.start, end: bodyStart + 1, text: open });
      if (promise) this.outer.push({ start: fn.body.end - 1, end: fn.body.end, text: close });
    }
    const outer = this.outer;
    const splices = [...outer, ...this.leaf.filter((l) => !outer.some((o) => l.start >= o.start && l.end <= o.end))];
    const comments = new Map();
    for (const n of this.notes) {
      let at = n.at;
      for (const o of outer) if (at > o.start && at < o.end && o.end - o.start < 400 && o.start !== fn.start) at = o.start;
      const lineStart = this.src.lastIndexOf('\n', at - 1) + 1;
      const entry = comments.get(lineStart) || [];
      entry.push(n);
      comments.set(lineStart, entry);
    }
    for (const [lineStart, notes] of comments) {
      const indent = /^[ \t]*/.exec(this.src.slice(lineStart))[0];
      splices.push({ start: lineStart, end: lineStart, text: notes.map((n) => `${indent}// MIGRATE: ${n.reason} ${n.advice}\n`).join(''), notes });
    }
    splices.sort((a, b) => a.start - b.start || (a.end - a.start) - (b.end - b.start));
    let out = '';
    let pos = 0;
    const manual = [];
    for (const s of splices) {
      if (s.start < pos) continue; // inside a splice already applied
      out += this.src.slice(pos, s.start);
      if (s.notes) {
        const line = out.split('\n').length;
        s.notes.forEach((n, i) => manual.push({ line: line + s.notes.length, comment_line: line + i, hook_line: this.lineOf(n.at),
          construct: n.construct, reason: n.reason, advice: n.advice }));
      }
      out += s.text;
      pos = s.end;
    }
    out += this.src.slice(pos);
    const classes = Object.keys(ERROR_CLASSES).filter((name) => this.stillUses(out, name));
    const header = classes.length ? '// Added by hooktui migrate: Auth0 injected these error classes into hooks; actions have none.\n'
      + classes.map((c) => ERROR_CLASSES[c]).join('\n') + '\n\n' : '';
    const helpers = [...this.helpers].map((h) => this.trigger.helpers[h]).filter(Boolean).join('');
    if (header) manual.forEach((m) => { m.line += header.split('\n').length - 1; m.comment_line += header.split('\n').length - 1; });
    return { code: header + out.replace(/\s*$/, '\n') + helpers, dependencies: this.dependencies, manual };
  }

  stillUses(code, name) {
    let ast;
    try {
      ast = acorn.parse(code, { ecmaVersion: 'latest', allowHashBang: true, allowReturnOutsideFunction: true });
    } catch (e) {
      return code.includes(name);
    }
    let found = false;
    walk(ast, (node, ancestors) => {
      if (node.type === 'Identifier' && node.name === name && isReference(node, ancestors[ancestors.length - 1], ancestors[ancestors.length - 2])
        && !declaringScope(name, ancestors)) found = true;
    });
    return found;
  }
}

function isModuleExports(node) {
  return node.type === 'MemberExpression' && !node.computed && node.object.type === 'Identifier' && node.object.name === 'module'
    && node.property.name === 'exports';
}

function convert(code, triggerId) {
  if (!TRIGGERS[triggerId]) return { error: `hooktui migrate converts hooks of ${Object.keys(TRIGGERS).join(', ')}, not ${triggerId}` };
  const result = new Conversion(code, triggerId).run();
  if (result.error) return result;
  try {
    acorn.parse(result.code, { ecmaVersion: 'latest', allowHashBang: true });
  } catch (e) {
    return { error: `hooktui migrate produced code that does not parse (${e.message}); please report it with the hook`, line: null };
  }
  return result;
}

if (require.main === module) {
  const chunks = [];
  process.stdin.on('data', (c) => chunks.push(c));
  process.stdin.on('end', () => {
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    process.stdout.write(JSON.stringify(convert(input.code, input.trigger)));
  });
}

module.exports = { convert };
