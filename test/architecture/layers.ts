/**
 * The intended architecture as data: which folder of src/ may import which. layering.test.ts checks every
 * import of every .ts/.tsx in src against it. Change this table only when the architecture changes, never
 * to let one import through; a known violation that cannot be moved yet is an `exception`, named here.
 *
 *   core/common ← core/views (plain data the faces show, served as it is) ← core/model, core/report, shared/contract
 *   core/common ← core/netfilter ← core/records ← core/capture ← core/model
 *   core/records ← core/simulate, core/correlate (pure: records in, values out; neither reads text or the store)
 *   core/model + pure layers ← core/flows, core/import ← core/project (use cases) ← core/diagnose ← core/report
 *   core/common, core/views ← shared/contract (browser-safe) ← shared/backend (Node, over core) ← cli, server, main
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
const BELOW_USE_CASES: readonly Layer[] = [
  ...PURE_CORE, 'core/capture', 'core/model', 'core/simulate', 'core/correlate', 'core/flows', 'core/import',
];
const ALL_CORE: readonly Layer[] = [...BELOW_USE_CASES, 'core/project', 'core/diagnose', 'core/report'];

export const LAYER_RULES: Readonly<Record<Layer, LayerRule>> = {
  // Runs anywhere, the browser included (shared/contract builds on it): no Node, no packages.
  'core/common': { layers: [], packages: [] },
  // The netfilter model: rulesets, rule text, the value vocabulary.
  'core/netfilter': { layers: ['core/common'], packages: [] },
  // Neutral records of what a node shows (interfaces, routes, conntrack, packets): what parsers produce.
  'core/records': { layers: ['core/common', 'core/netfilter'], packages: [] },
  // Plain data the faces show (the topology...), read from the store by core/model and served by the contract
  // as it is: where no external document fixes a JSON shape, it is core's. Type declarations only, browser-safe.
  'core/views': { layers: ['core/common'], packages: [] },
  // One parser per input kind: text and bytes in, records out.
  'core/capture': { layers: PURE_CORE, packages: ['node'] },
  // Records and SQL: the only place that touches SQLite.
  'core/model': { layers: [...PURE_CORE, 'core/capture'], packages: ['node', 'better-sqlite3'] },
  // The replay: records in, traces out. Never parses text, never reads the store.
  'core/simulate': { layers: PURE_CORE, packages: [] },
  // Pure correlation: topology, flow stitching, clocks, ruleset diffs.
  'core/correlate': { layers: PURE_CORE, packages: [] },
  'core/flows': { layers: [...PURE_CORE, 'core/capture', 'core/model', 'core/simulate', 'core/correlate'], packages: ['node'] },
  // Reads inputs (files, folders, archives, transcripts) through the parsers into the store, one transaction each.
  'core/import': { layers: [...PURE_CORE, 'core/capture', 'core/model'], packages: ['node', 'tar', 'fflate'] },
  // Use cases: one module per operation the faces offer, the only place that joins the store with the pure layers.
  'core/project': { layers: BELOW_USE_CASES, packages: [] },
  'core/diagnose': { layers: [...BELOW_USE_CASES, 'core/project'], packages: [] },
  'core/report': { layers: [...BELOW_USE_CASES, 'core/project', 'core/diagnose'], packages: ['node', 'pdfkit', 'fontkit'] },
  // Types, validators and the operation table: what the renderer may see. Browser-safe.
  'shared/contract': { layers: ['core/common', 'core/views'], packages: [] },
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

export const EXCEPTIONS: readonly LayerException[] = [
  {
    file: 'src/core/flows/flow-engine.ts',
    imports: 'src/core/project/node-world.ts',
    why: 'flow stitching loads each node\'s world for inferred NAT links; the store-bound half of core/flows belongs in core/project (issue 12)',
  },
];
