/**
 * The intended architecture as data: which folder of src/ may import which. layering.test.ts checks every
 * import of every .ts/.tsx in src against it. Change this table only when the architecture changes, never
 * to let one import through; a known violation that cannot be moved yet is an `exception`, named here.
 *
 *   core/common ← core/netfilter ← core/records ← core/views (plain data the faces show, type declarations)
 *   pure core ← core/capture ← core/model (records and SQL)
 *   pure core ← core/simulate, core/correlate ← core/flows ← core/diagnose ← core/report (pure: values in, values out)
 *   all of the above ← core/project ← core/import (use cases: the only layers that join the store with the pure ones;
 *   an import ends by stitching the project's flows)
 *   core/common, core/netfilter, core/records, core/views ← shared/contract (browser-safe) ← shared/backend (Node) ← cli, server, main
 *   shared/contract ← preload, renderer
 */

export type Layer =
  | 'core/common'
  | 'core/netfilter'
  | 'core/records'
  | 'core/views'
  | 'core/capture'
  | 'core/model'
  | 'core/simulate'
  | 'core/correlate'
  | 'core/flows'
  | 'core/import'
  | 'core/project'
  | 'core/diagnose'
  | 'core/report'
  | 'shared/contract'
  | 'shared/backend'
  | 'cli'
  | 'server'
  | 'main'
  | 'preload'
  | 'renderer'
  | 'types';

/** What a layer may import besides itself: other layers, and packages by name (`node` = Node's built-ins). */
export interface LayerRule {
  layers: readonly Layer[];
  packages: readonly string[];
}

const PURE_CORE: readonly Layer[] = ['core/common', 'core/netfilter', 'core/records', 'core/views'];
/** Values in, values out: never the store, never a use case. */
const PURE_ALGORITHMS: readonly Layer[] = ['core/simulate', 'core/correlate', 'core/flows', 'core/diagnose', 'core/report'];
const BELOW_USE_CASES: readonly Layer[] = [...PURE_CORE, 'core/capture', 'core/model', ...PURE_ALGORITHMS];
const ALL_CORE: readonly Layer[] = [...BELOW_USE_CASES, 'core/import', 'core/project'];

export const LAYER_RULES: Readonly<Record<Layer, LayerRule>> = {
  // Runs anywhere, the browser included (shared/contract builds on it): no Node, no packages.
  'core/common': { layers: [], packages: [] },
  // The netfilter model: rulesets, rule text, the value vocabulary.
  'core/netfilter': { layers: ['core/common'], packages: [] },
  // Neutral records of what a node shows (interfaces, routes, conntrack, packets): what parsers produce.
  'core/records': { layers: ['core/common', 'core/netfilter'], packages: [] },
  // Plain data the faces show (nodes, topology, flows...): built by core/project, served by the contract as it
  // is: where no external document fixes a JSON shape, it is core's. Type declarations only, browser-safe.
  'core/views': { layers: ['core/common', 'core/netfilter', 'core/records'], packages: [] },
  // One parser per input kind: text and bytes in, records out.
  'core/capture': { layers: PURE_CORE, packages: ['node'] },
  // Records and SQL: the only place that touches SQLite.
  'core/model': { layers: [...PURE_CORE, 'core/capture'], packages: ['node', 'better-sqlite3'] },
  // The replay: records in, traces out. Never parses text, never reads the store.
  'core/simulate': { layers: PURE_CORE, packages: [] },
  // Pure correlation: topology, flow stitching, clocks, ruleset diffs.
  'core/correlate': { layers: PURE_CORE, packages: [] },
  // Flow stitching's pure parts: interface naming, the replay of a flow's packets, timelines, the flow filter.
  'core/flows': { layers: [...PURE_CORE, 'core/capture', 'core/simulate', 'core/correlate'], packages: ['node'] },
  // Findings from values (worlds, flow views, replays): the rule checks, each with its evidence.
  'core/diagnose': { layers: [...PURE_CORE, 'core/simulate', 'core/correlate', 'core/flows'], packages: [] },
  // A report document from a plain Report (report-model.ts): HTML, Markdown, JSON, PDF.
  'core/report': { layers: [...PURE_CORE, 'core/diagnose'], packages: ['node', 'pdfkit', 'fontkit'] },
  // A use case: reads inputs (files, folders, archives, transcripts) through the parsers into the store, one transaction
  // each, then stitches the project's flows (core/project).
  'core/import': { layers: [...PURE_CORE, 'core/capture', 'core/model', 'core/project'], packages: ['node', 'tar', 'fflate'] },
  // Use cases: one module per operation the faces offer, the only place that joins the store with the pure layers.
  'core/project': { layers: BELOW_USE_CASES, packages: ['node'] },
  // Types, validators and the operation table: what the renderer may see. Browser-safe.
  'shared/contract': { layers: PURE_CORE, packages: [] },
  // Node-only implementation of the contract over core, used by the faces that run on Node.
  'shared/backend': { layers: [...ALL_CORE, 'shared/contract'], packages: ['node'] },
  cli: { layers: [...ALL_CORE, 'shared/contract', 'shared/backend', 'server'], packages: ['node', 'better-sqlite3'] },
  server: { layers: [...ALL_CORE, 'shared/contract', 'shared/backend'], packages: ['node', 'esbuild'] },
  main: { layers: ['core/common', 'shared/contract', 'shared/backend'], packages: ['node', 'electron', 'better-sqlite3'] },
  preload: { layers: ['shared/contract'], packages: ['electron'] },
  renderer: { layers: ['shared/contract'], packages: ['react', 'react-dom', 'cytoscape', '@tanstack/react-virtual'] },
  // Ambient declarations (`*.sh?raw`).
  types: { layers: [], packages: [] },
};

/**
 * Tests build their input with real parsers and a real store, so a test may also import the layers below
 * the faces, the repository's test helpers (`test/`) and the test runner. Production code never may.
 */
export const TEST_EXTRA: LayerRule = {
  layers: ALL_CORE,
  packages: ['vitest', 'node', '@playwright/test', 'markdown-it'],
};

/** Faces' tests may also start the other faces' backends (the renderer's web client against a real server). */
export const FACE_TEST_EXTRA: Partial<Record<Layer, readonly Layer[]>> = {
  renderer: ['shared/backend', 'server'],
  main: ['server'],
};

/** Known violations inside files other work owns; each names its file, its import and why it is still there. */
export interface LayerException {
  file: string;
  imports: string;
  why: string;
}

export const EXCEPTIONS: readonly LayerException[] = [];
