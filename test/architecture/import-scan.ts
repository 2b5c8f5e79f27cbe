/**
 * Every import of a TypeScript file, read with the compiler's own parser (import/export declarations,
 * `import type`, `import('x')` in code and in types, `require`), and the check of each against layers.ts.
 */
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { EXCEPTIONS, FACE_TEST_EXTRA, LAYER_RULES, TEST_EXTRA, type Layer, type LayerException } from './layers';

export interface ImportSite {
  /** Repository-relative path of the importing file. */
  file: string;
  line: number;
  specifier: string;
}

/** Where an import lands: a file of the repository (repository-relative) or a package. */
export type ImportTarget =
  | { kind: 'file'; path: string }
  | { kind: 'package'; name: string }
  | { kind: 'unresolved' };

export type Place =
  | { kind: 'layer'; layer: Layer }
  | { kind: 'test-helpers' }
  | { kind: 'resources' }
  | { kind: 'fixture-generators' }
  | { kind: 'build-scripts' }
  | { kind: 'outside'; path: string };

export interface Violation {
  site: ImportSite;
  message: string;
}

const BUILTINS = new Set(builtinModules);

export function importSites(file: string, text: string): ImportSite[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out: ImportSite[] = [];
  const add = (node: ts.Node): void => {
    if (!ts.isStringLiteralLike(node)) return;
    out.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, specifier: node.text });
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    else if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const callee = node.expression;
      const dynamic = callee.kind === ts.SyntaxKind.ImportKeyword;
      const required = ts.isIdentifier(callee) && callee.text === 'require';
      if (dynamic || required) add(node.arguments[0]!);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

export function resolveImport(root: string, site: ImportSite, exists: (p: string) => boolean): ImportTarget {
  const spec = site.specifier.replace(/\?.*$/, '');
  if (!spec.startsWith('.')) {
    const bare = spec.startsWith('node:') ? 'node' : spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
    return { kind: 'package', name: BUILTINS.has(bare) ? 'node' : bare };
  }
  const base = path.join(path.dirname(site.file), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'), path.join(base, 'index.tsx')]) {
    if (exists(path.join(root, candidate))) return { kind: 'file', path: candidate.split(path.sep).join('/') };
  }
  return { kind: 'unresolved' };
}

export function placeOf(file: string): Place {
  const parts = file.split('/');
  if (parts[0] === 'test') return { kind: 'test-helpers' };
  if (parts[0] === 'resources') return { kind: 'resources' };
  if (parts[0] === 'scripts' && parts[1] === 'bench') return { kind: 'fixture-generators' };
  if (parts[0] === 'scripts' && parts.length === 2) return { kind: 'build-scripts' };
  if (parts[0] !== 'src' || parts.length < 3) return { kind: 'outside', path: file };
  const layer = parts[1] === 'core' || parts[1] === 'shared' ? `${parts[1]}/${parts[2]}` : parts[1]!;
  return layer in LAYER_RULES ? { kind: 'layer', layer: layer as Layer } : { kind: 'outside', path: file };
}

export function isTestFile(file: string): boolean {
  return /\.(test|spec|fixture)\.tsx?$/.test(file) || file.split('/').includes('test-support');
}

function describePlace(place: Place): string {
  switch (place.kind) {
    case 'layer': return `layer ${place.layer}`;
    case 'test-helpers': return 'the test helpers (test/)';
    case 'resources': return 'resources/';
    case 'fixture-generators': return 'the fixture generators (scripts/bench/)';
    case 'build-scripts': return 'the build scripts (scripts/)';
    case 'outside': return place.path;
  }
}

/** Null when the import is allowed; otherwise the line layering.test.ts prints. */
export function checkImport(site: ImportSite, target: ImportTarget, exceptions: readonly LayerException[] = EXCEPTIONS): Violation | null {
  const from = placeOf(site.file);
  if (from.kind !== 'layer') return null;
  const rule = LAYER_RULES[from.layer];
  const test = isTestFile(site.file);
  const where = `${site.file}:${site.line} imports ${site.specifier}`;
  switch (target.kind) {
    case 'unresolved':
      return { site, message: `${where} (cannot resolve it)` };
    case 'package': {
      const allowed = rule.packages.includes(target.name) || (test && TEST_EXTRA.packages.includes(target.name));
      return allowed ? null : { site, message: `${where} (layer ${from.layer} may not import package ${target.name})` };
    }
    case 'file': {
      if (exceptions.some((e) => e.file === site.file && e.imports === target.path)) return null;
      const to = placeOf(target.path);
      if (to.kind === 'layer') {
        if (to.layer === from.layer || rule.layers.includes(to.layer)) return null;
        if (test && (TEST_EXTRA.layers.includes(to.layer) || (FACE_TEST_EXTRA[from.layer] ?? []).includes(to.layer))) return null;
      }
      // Tests may use what the repository builds and generates with (a worker thread bundled as the CLI ships it).
      if ((to.kind === 'test-helpers' || to.kind === 'fixture-generators' || to.kind === 'build-scripts') && test) return null;
      if (to.kind === 'resources' && from.layer === 'shared/contract') return null;
      return { site, message: `${where} (layer ${from.layer} may not import ${describePlace(to)})` };
    }
  }
}

export function sourceFiles(root: string, dir = 'src'): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(root, rel));
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out.sort();
}

export interface LayeringResult {
  files: number;
  imports: number;
  violations: Violation[];
  /** Exceptions whose import no longer exists: delete them from layers.ts. */
  staleExceptions: LayerException[];
}

export function checkLayering(root: string): LayeringResult {
  const exists = (p: string): boolean => fs.existsSync(p) && fs.statSync(p).isFile();
  const files = sourceFiles(root);
  const violations: Violation[] = [];
  const used = new Set<LayerException>();
  let imports = 0;
  for (const file of files) {
    for (const site of importSites(file, fs.readFileSync(path.join(root, file), 'utf8'))) {
      imports++;
      const target = resolveImport(root, site, exists);
      if (target.kind === 'file') for (const e of EXCEPTIONS) if (e.file === site.file && e.imports === target.path) used.add(e);
      const v = checkImport(site, target);
      if (v) violations.push(v);
    }
  }
  return { files: files.length, imports, violations, staleExceptions: EXCEPTIONS.filter((e) => !used.has(e)) };
}
