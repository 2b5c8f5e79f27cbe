/**
 * Contract values for the faces' tests: core's shapes (served as they are) with every field a test does
 * not care about at a plain default, so a test names only what it checks.
 */
import type { CaptureKind } from '../../core/records/records';
import type { ImportedCaptureJson, ImportJson, InterfaceJson, NodeCaptureJson, NodeJson, RouteJson } from './contract-json';

export function interfaceJson(name: string, fields: Partial<InterfaceJson> = {}): InterfaceJson {
  return { name, addresses: [], mac: null, state: null, master: null, peer: null, pairedWith: null, kind: null, knownFrom: 'addresses', ...fields };
}

export function routeJson(dst: string, fields: Partial<RouteJson> = {}): RouteJson {
  return { dst, via: null, dev: null, src: null, metric: null, table: 'main', type: 'unicast', nexthops: [], ...fields };
}

export function captureJson(id: number, kind: CaptureKind, source: string, fields: Partial<NodeCaptureJson> = {}): NodeCaptureJson {
  return { id, kind, takenAt: null, source, records: 1, netns: null, command: null, partial: false, label: null, ...fields };
}

export function nodeJson(name: string, fields: Partial<NodeJson> = {}): NodeJson {
  return { name, interfaces: [], routes: [], rules: [], neighbours: [], fdb: [], captures: [], conflicts: [], ...fields };
}

export function importedCaptureJson(kind: CaptureKind, source: string, fields: Partial<ImportedCaptureJson> = {}): ImportedCaptureJson {
  return { id: 1, kind, source, takenAt: null, records: 1, netns: null, lines: null, ...fields };
}

export function importJson(fields: Partial<ImportJson> = {}): ImportJson {
  return { nodes: [], warnings: [], errors: [], files: [], ...fields };
}
