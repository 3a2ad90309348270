// The page's modules import each other without a cycle: www/app.js,
// www/*.js and www/app/*.js, read as text (their static `import … from
// './x.js'` and `import './x.js'` lines), not run. A module that must make
// a higher one act (the worker's events, a restart) is handed a callback by
// app.js instead of importing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const www = path.resolve(import.meta.dirname, '../../www');
const rel = (f) => path.relative(www, f);

// The relative modules a file imports statically (dynamic import() is
// left out: it does not run when the importer loads).
export function importsOf(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out = [];
  for (const m of code.matchAll(/^\s*import\s+(?:[\w*{}\s,$]+?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm)) out.push(m[1]);
  for (const m of code.matchAll(/^\s*export\s+(?:\*|\{[^}]*\})\s+from\s+['"](\.{1,2}\/[^'"]+)['"]/gm)) out.push(m[1]);
  return out;
}

function graph() {
  const roots = [
    ...fs.readdirSync(www).filter((f) => f.endsWith('.js')).map((f) => path.join(www, f)),
    ...fs.readdirSync(path.join(www, 'app')).filter((f) => f.endsWith('.js')).map((f) => path.join(www, 'app', f)),
  ];
  const edges = new Map();
  const todo = [...roots];
  while (todo.length) {
    const file = todo.pop();
    if (edges.has(file)) continue;
    const targets = importsOf(fs.readFileSync(file, 'utf8')).map((spec) => path.resolve(path.dirname(file), spec));
    edges.set(file, targets);
    for (const t of targets) {
      assert.ok(fs.existsSync(t), `${rel(file)} imports ${rel(t)}, which does not exist`);
      todo.push(t);
    }
  }
  return edges;
}

// Every cycle's modules, as one path that starts and ends at the same module.
function findCycle(edges) {
  const state = new Map(); // undefined: not seen, 1: on the path, 2: done
  const stack = [];
  const visit = (file) => {
    state.set(file, 1);
    stack.push(file);
    for (const next of edges.get(file) || []) {
      if (state.get(next) === 1) return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) { const found = visit(next); if (found) return found; }
    }
    stack.pop();
    state.set(file, 2);
    return null;
  };
  for (const file of [...edges.keys()].sort()) {
    if (state.has(file)) continue;
    const found = visit(file);
    if (found) return found;
  }
  return null;
}

test('the import scan reads the forms the page uses', () => {
  assert.deepEqual(importsOf([
    "import { a, b } from './a.js';",
    "import x from '../x.js';",
    "import './side.js';",
    "import * as all from './all.js';",
    "// import { no } from './comment.js';",
    "const m = await import('./dynamic.js');",
    "import { t } from 'node:test';",
  ].join('\n')), ['./a.js', '../x.js', './side.js', './all.js']);
  assert.deepEqual(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), ['a', 'b', 'c', 'a']);
  assert.equal(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), null);
});

test("the page's modules import each other without a cycle", () => {
  const edges = graph();
  assert.ok(edges.size > 25, `only ${edges.size} modules found: is the scan broken?`);
  assert.ok(edges.get(path.join(www, 'app.js')).length > 10, 'app.js imports almost nothing: is the scan broken?');
  const cycle = findCycle(edges);
  assert.equal(cycle, null, cycle && `import cycle: ${cycle.map(rel).join(' → ')}`);
});
