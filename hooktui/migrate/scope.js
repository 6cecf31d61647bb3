'use strict';
// The parts of an ESTree (acorn's) the conversion reads: a walk that hands every node its
// ancestors, which identifiers are references (not property names, labels or declarations), and
// whether a reference means a given declaration or a nearer one that shadows it.

function children(node) {
  const out = [];
  for (const key of Object.keys(node)) {
    if (key === 'loc' || key === 'start' || key === 'end') continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const item of value) if (item && typeof item.type === 'string') out.push(item);
    } else if (value && typeof value.type === 'string') {
      out.push(value);
    }
  }
  return out;
}

// visit(node, ancestors) for every node, outermost first; ancestors[ancestors.length - 1] is the parent.
function walk(root, visit) {
  const stack = [];
  (function go(node) {
    visit(node, stack);
    stack.push(node);
    for (const child of children(node)) go(child);
    stack.pop();
  })(root);
}

function isFunction(node) {
  return node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression';
}

// True when `node`, an Identifier whose parent is `parent`, reads or writes a variable.
function isReference(node, parent, grand) {
  if (!parent) return true;
  switch (parent.type) {
    case 'MemberExpression': return parent.object === node || parent.computed;
    case 'Property':
      if (parent.key === node && !parent.computed && !parent.shorthand) return false;
      // `{ a }` in an object literal reads `a`; in a pattern it declares it.
      return !(grand && grand.type === 'ObjectPattern');
    case 'MethodDefinition': case 'PropertyDefinition': return parent.computed && parent.key === node ? true : parent.value === node;
    case 'LabeledStatement': case 'BreakStatement': case 'ContinueStatement': return false;
    case 'VariableDeclarator': return parent.init === node;
    case 'FunctionDeclaration': case 'FunctionExpression': case 'ArrowFunctionExpression':
      return parent.body === node;
    case 'ClassDeclaration': case 'ClassExpression': return parent.superClass === node;
    case 'CatchClause': return parent.param !== node;
    case 'ArrayPattern': case 'RestElement': return false;
    case 'AssignmentPattern': return parent.right === node;
    case 'ImportSpecifier': case 'ImportDefaultSpecifier': case 'ImportNamespaceSpecifier': case 'ExportSpecifier': return false;
    case 'MetaProperty': return false;
    default: return true;
  }
}

function patternNames(pattern, out = []) {
  if (!pattern) return out;
  switch (pattern.type) {
    case 'Identifier': out.push(pattern.name); break;
    case 'ObjectPattern': for (const p of pattern.properties) patternNames(p.type === 'RestElement' ? p.argument : p.value, out); break;
    case 'ArrayPattern': for (const e of pattern.elements) patternNames(e, out); break;
    case 'RestElement': patternNames(pattern.argument, out); break;
    case 'AssignmentPattern': patternNames(pattern.left, out); break;
    default: break;
  }
  return out;
}

// `var` and function declarations anywhere in a function's body, not in the functions nested in it.
function hoisted(fn) {
  if (fn._hoisted) return fn._hoisted;
  const names = new Set();
  (function go(node) {
    if (node !== fn && isFunction(node)) {
      if (node.type === 'FunctionDeclaration' && node.id) names.add(node.id.name);
      return;
    }
    if (node.type === 'VariableDeclaration' && node.kind === 'var') {
      for (const d of node.declarations) patternNames(d.id).forEach((n) => names.add(n));
    }
    for (const child of children(node)) go(child);
  })(fn.body);
  fn._hoisted = names;
  return names;
}

// Names a block (or the program, a for statement, a switch) declares with let, const, class or function.
function lexical(block) {
  if (block._lexical) return block._lexical;
  const names = new Set();
  const statements = block.type === 'SwitchStatement' ? block.cases.flatMap((c) => c.consequent)
    : block.type === 'ForStatement' || block.type === 'ForInStatement' || block.type === 'ForOfStatement'
      ? [block.init || block.left].filter(Boolean) : block.body;
  for (const s of statements || []) {
    if (s.type === 'VariableDeclaration' && s.kind !== 'var') s.declarations.forEach((d) => patternNames(d.id).forEach((n) => names.add(n)));
    if ((s.type === 'ClassDeclaration' || s.type === 'FunctionDeclaration') && s.id) names.add(s.id.name);
  }
  block._lexical = names;
  return names;
}

function declares(node, name) {
  if (isFunction(node)) {
    if (node.params.some((p) => patternNames(p).includes(name))) return true;
    if (node.type === 'FunctionExpression' && node.id && node.id.name === name) return true;
    return node.body.type === 'BlockStatement' && hoisted(node).has(name);
  }
  if (node.type === 'CatchClause') return patternNames(node.param).includes(name);
  if (node.type === 'ClassExpression') return Boolean(node.id && node.id.name === name);
  if (['BlockStatement', 'Program', 'SwitchStatement', 'ForStatement', 'ForInStatement', 'ForOfStatement'].includes(node.type)) {
    return lexical(node).has(name) || (node.type === 'Program' && hoisted({ body: node }).has(name));
  }
  return false;
}

// The ancestor that declares `name` for a reference with these ancestors (nearest first), or null
// for a global.
function declaringScope(name, ancestors) {
  for (let i = ancestors.length - 1; i >= 0; i--) {
    if (declares(ancestors[i], name)) return ancestors[i];
  }
  return null;
}

module.exports = { children, walk, isFunction, isReference, patternNames, declaringScope };
