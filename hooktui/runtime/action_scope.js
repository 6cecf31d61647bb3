'use strict';
// An action's module scope, for sandbox.js: on Auth0's node22 runtime "module-level code is
// invoked once per instance of your Action, and may be re-used across many executions", so what
// the top level of code.js keeps (a `let users = []`, a cached token) survives from one login to
// the next, often another user's. hooktui reuses the scope the same way and tells the user when
// a run changed it.
//
// How it sees the top level: the names declared at the top of the file (`var`, `let`, `const`
// with a plain name; not destructuring, not names made by eval) are found by a small scanner, and
// the wrapper gets one extra line after the user's code that hands out a reader of those
// bindings. New properties of the action's global object (`global.x = ...`, sloppy-mode implicit
// globals) are read too. What is compared is a bounded fingerprint of each value (depth 4, 2000
// nodes): a change deeper than that, or inside a Map's values past the budget, goes unseen.

const WRAPPER_PARAMS = ['exports', 'require', 'module', 'console'];
const READER = '__hooktuiModuleBindings';
const MAX_DEPTH = 4;
const MAX_NODES = 2000;
// Words that start a statement: a top-level declaration's comma list has ended before them.
const STATEMENT_WORDS = new Set(['var', 'let', 'const', 'function', 'class', 'if', 'for', 'while', 'do', 'switch', 'try',
  'return', 'throw', 'exports', 'module', 'async', 'export', 'import']);

// Top-level declarations, by a scanner that knows strings, template literals, comments and
// regular expression literals well enough not to take their contents for code.
function topLevelNames(source) {
  const names = [];
  const seen = new Set();
  let depth = 0;
  let i = 0;
  const n = source.length;
  let prevSignificant = ''; // the last token, to tell a regex literal from a division
  const templateDepths = [];
  let inDeclaration = false; // between a top-level var/let/const and its end: `, name` declares too
  const add = (name) => {
    if (!seen.has(name) && name !== READER) {
      seen.add(name);
      names.push(name);
    }
  };
  const isIdStart = (c) => /[A-Za-z_$]/.test(c);
  const isId = (c) => /[A-Za-z0-9_$]/.test(c);
  while (i < n) {
    const c = source[i];
    if (c === '/' && source[i + 1] === '/') {
      while (i < n && source[i] !== '\n') i += 1;
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      i += 1;
      while (i < n && source[i] !== c && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
      i += 1;
      prevSignificant = 'str';
      continue;
    }
    if (c === '`' || (c === '}' && templateDepths.length && templateDepths[templateDepths.length - 1] === depth)) {
      if (c === '}') templateDepths.pop();
      i += 1;
      while (i < n && source[i] !== '`') {
        if (source[i] === '\\') {
          i += 2;
          continue;
        }
        if (source[i] === '$' && source[i + 1] === '{') {
          templateDepths.push(depth);
          i += 2;
          break;
        }
        i += 1;
      }
      if (source[i] === '`') i += 1;
      prevSignificant = 'str';
      continue;
    }
    if (c === '/') {
      const regexAllowed = prevSignificant === '' || /^[(,=:[!&|?{};+\-*%<>~^]$/.test(prevSignificant) ||
        ['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'yield', 'await'].includes(prevSignificant);
      if (regexAllowed) {
        i += 1;
        let inClass = false;
        while (i < n && source[i] !== '\n') {
          const d = source[i];
          if (d === '\\') {
            i += 2;
            continue;
          }
          if (d === '[') inClass = true;
          else if (d === ']') inClass = false;
          else if (d === '/' && !inClass) break;
          i += 1;
        }
        i += 1;
        while (i < n && isId(source[i])) i += 1;
        prevSignificant = 'str';
        continue;
      }
    }
    if (isIdStart(c)) {
      let j = i;
      while (j < n && isId(source[j])) j += 1;
      const word = source.slice(i, j);
      if (depth === 0 && STATEMENT_WORDS.has(word) && prevSignificant !== '.') inDeclaration = false;
      if (depth === 0 && inDeclaration && prevSignificant === ',') add(word);
      if (depth === 0 && (word === 'var' || word === 'let' || word === 'const') && prevSignificant !== '.') {
        inDeclaration = true;
        let k = j;
        while (k < n && /\s/.test(source[k])) k += 1;
        if (isIdStart(source[k] || '')) {
          let m = k;
          while (m < n && isId(source[m])) m += 1;
          add(source.slice(k, m));
        }
      }
      prevSignificant = word;
      i = j;
      continue;
    }
    if (c === ';' && depth === 0) inDeclaration = false;
    if (c === '{' || c === '(' || c === '[') depth += 1;
    else if (c === '}' || c === ')' || c === ']') depth = Math.max(0, depth - 1);
    if (!/\s/.test(c)) prevSignificant = c;
    i += 1;
  }
  return names;
}

// The user's code in Auth0's module wrapper, plus one line after it (so line numbers hold) that
// hands the sandbox a reader of the top-level bindings. A top-level `return` skips that line:
// the scope is then still reused, only not watched.
function wrapperSource(source, names) {
  const reads = names.map((name) => `try { o[${JSON.stringify(name)}] = ${name}; } catch (e) {}`).join(' ');
  return `(function (${WRAPPER_PARAMS.join(', ')}, ${READER}) {\n${source}\n;${READER}(function () { var o = {}; ${reads} return o; });\n})`;
}

// A bounded, order-stable description of a value: equal fingerprints mean no change seen.
function fingerprint(value) {
  let budget = MAX_NODES;
  const seen = new Map();
  const walk = (v, depth) => {
    if (budget-- <= 0) return '…';
    if (v === null) return 'null';
    const t = typeof v;
    if (t === 'undefined') return 'undefined';
    if (t === 'string') return JSON.stringify(v.length > 200 ? v.slice(0, 200) + `…(${v.length})` : v);
    if (t === 'number' || t === 'boolean' || t === 'bigint') return String(v);
    if (t === 'symbol') return v.toString();
    if (t === 'function') return 'function';
    if (seen.has(v)) return `#ref${seen.get(v)}`;
    seen.set(v, seen.size);
    if (depth >= MAX_DEPTH) return Array.isArray(v) ? `[${v.length} items]` : '{…}';
    try {
      if (Array.isArray(v)) return '[' + v.slice(0, 100).map((x) => walk(x, depth + 1)).join(',') + (v.length > 100 ? `,…${v.length}` : '') + ']';
      if (v instanceof Map || Object.prototype.toString.call(v) === '[object Map]') {
        const parts = [];
        for (const [k, x] of v) {
          if (parts.length >= 100) {
            parts.push(`…${v.size}`);
            break;
          }
          parts.push(walk(k, depth + 1) + '=>' + walk(x, depth + 1));
        }
        return 'Map{' + parts.join(',') + '}';
      }
      if (v instanceof Set || Object.prototype.toString.call(v) === '[object Set]') {
        return 'Set{' + [...v].slice(0, 100).map((x) => walk(x, depth + 1)).join(',') + (v.size > 100 ? `,…${v.size}` : '') + '}';
      }
      if (v instanceof Date || Object.prototype.toString.call(v) === '[object Date]') return `Date(${v.getTime()})`;
      const keys = Object.keys(v).slice(0, 100);
      return '{' + keys.map((k) => JSON.stringify(k) + ':' + walk(v[k], depth + 1)).join(',') + '}';
    } catch (e) {
      return '?';
    }
  };
  return walk(value, 0);
}

function preview(print) {
  return print.length > 80 ? print.slice(0, 77) + '...' : print;
}

// Which watched names differ between two readings ({name: fingerprint}).
function changes(before, after) {
  const out = [];
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[name] !== after[name]) {
      out.push({ name, before: before[name] === undefined ? 'undefined' : preview(before[name]),
        after: after[name] === undefined ? 'undefined' : preview(after[name]) });
    }
  }
  return out;
}

module.exports = { WRAPPER_PARAMS, topLevelNames, wrapperSource, fingerprint, changes };
