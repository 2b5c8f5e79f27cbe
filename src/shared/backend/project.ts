/**
 * One open project: a database path and, once it exists, its store. Reads of a project whose file
 * does not exist yet answer empty without creating it (CONTRACT: created on first import); the first
 * import opens (and so creates) it. Node-only, but free of electron and http.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ImportJson, NodeJson } from '../contract/contract-json';
import type { CaptureInterfaceJson, EditJson, FlowSortColumn, ImportOptions, ImportProgress, RequestOf } from '../contract/api';
import type { FindingPageJson } from '../contract/finding-json';
import type { ProjectEdit } from '../../core/project/project-edits';
import type { FlowDivergenceJson } from '../contract/flow-divergence-json';
import type { FlowDetailJson, FlowPageJson } from '../contract/flow-json';
import type { ReportFileJson, ReportFormat, ReportHeadJson } from '../contract/report-file-json';
import type { ReportSink } from '../../core/report/report-sink';
import type { RulePageJson } from '../contract/rule-list-json';
import type { RulesetTimelinePageJson } from '../contract/ruleset-timeline-json';
import type { TopologyNodeJson, TopologyPageJson, TopologySummaryJson } from '../contract/topology-json';
import type { TraceResultJson } from '../contract/trace-json';
import type { TraceRequestJson } from '../contract/trace-request';

/** The order of a flow list (listFlows `sort`). */
export interface FlowSort {
  column: FlowSortColumn;
  direction: 'asc' | 'desc';
}

/** One project edit, as the faces ask core for it: core's (core/project/project-edits.ts). */
export type { ProjectEdit };

/** What the faces need from core's store, bound to core in core-backend.ts and faked in tests. */
export interface ProjectStore {
  listNodes(): NodeJson[];
  /**
   * `baseDir`: relative paths are read from there (web uploads, so sources print bare file names).
   * Aborting `signal` cancels: the file being read stores nothing and the promise rejects with ApiError('cancelled').
   */
  importPaths(paths: readonly string[], options: ImportOptions, onProgress: (p: ImportProgress) => void, baseDir?: string, signal?: AbortSignal): Promise<ImportJson>;
  /** Nodes offset..offset+limit; services and pods with the first page only. */
  topology(offset: number, limit: number): TopologyPageJson;
  topologySummary(): TopologySummaryJson;
  topologyNodes(names: readonly string[]): TopologyNodeJson[];
  /** Throws ApiError('rejected') for an unknown node or a snapshot that is not a ruleset capture. */
  trace(request: TraceRequestJson): TraceResultJson;
  /** Stitches flows first when the captures changed since the last stitching. */
  /** `filter`: a tcpdump-style expression; throws ApiError('rejected') naming the column when it does not parse. */
  listFlows(offset: number, limit: number, filter?: string, sort?: FlowSort): FlowPageJson;
  /** Null for an unknown flow id. */
  flowDetail(id: number, offset: number, limit: number): FlowDetailJson | null;
  /** Snapshots offset..offset+limit of the node's timeline; null for an unknown node. */
  rulesetTimeline(node: string, offset: number, limit: number): RulesetTimelinePageJson | null;
  /** Throws ApiError('not-found') for an unknown node or capture, ApiError('invalid-request') for an unreadable address. */
  listRules(request: RequestOf<'listRules'>): RulePageJson;
  /** Stitches flows first when needed, as `natlens report` does. Null when nothing is imported yet. */
  report(format: ReportFormat, traces: readonly TraceRequestJson[]): ReportFileJson | null;
  /**
   * The same report written a block at a time into the sink `begin` opens with the file's head (name, media type),
   * called once the report is built and before its first byte; answers the head. Null when nothing is imported yet.
   */
  streamReport(format: ReportFormat, traces: readonly TraceRequestJson[], begin: (head: ReportHeadJson) => ReportSink): ReportHeadJson | null;
  /** Findings offset..offset+limit. Stitches flows first when needed, as `natlens findings` does; kept while the captures stay the same. */
  findings(offset: number, limit: number): FindingPageJson;
  /** Null for an unknown flow id. Stitches flows first when needed. */
  flowDivergence(id: number): FlowDivergenceJson | null;
  /** True while an import of this store runs on an import worker (absent: never). */
  importRunning?(): boolean;
  /** Packet captures' interfaces by capture id. */
  captureInterfaces(): Map<number, CaptureInterfaceJson>;
  /** Throws ApiError: `not-found` (no such capture), `rejected` (no packets in it), `invalid-request` (not an interface name). */
  setCaptureInterface(captureId: number, iface: string | null): CaptureInterfaceJson;
  /** Throws ApiError: `not-found` (no such node or capture), `rejected` (a clash; nothing changed). */
  edit(edit: ProjectEdit): EditJson;
  /** Throws ApiError: `not-found` (can no longer be undone), `rejected` (not the newest edit, or the project changed since). */
  undoEdit(undoId: string): { summary: string };
  close(): void;
}

export type StoreOpener = (dbPath: string) => ProjectStore;

export class Project {
  readonly dbPath: string;
  private store: ProjectStore | null = null;
  private disposed = false;
  private writes = 0;

  constructor(
    dbPath: string,
    private readonly openStore: StoreOpener,
  ) {
    this.dbPath = path.resolve(dbPath);
  }

  get exists(): boolean {
    return this.store !== null || fs.existsSync(this.dbPath);
  }

  /** True while an import into this project runs (an operation pool's workers then read without stitching). */
  importRunning(): boolean {
    return this.store?.importRunning?.() ?? false;
  }

  /** Runs `fn` on the store if the database exists, else returns `empty` without creating a file. */
  read<T>(fn: (store: ProjectStore) => T, empty: T): T {
    if (!this.exists) return empty;
    return fn(this.opened());
  }

  /** Runs `fn` on the store, creating the database if needed. */
  write<T>(fn: (store: ProjectStore) => T): T {
    const result = fn(this.opened());
    if (!(result instanceof Promise)) {
      this.writes++;
      return result;
    }
    return result.finally(() => this.writes++) as T;
  }

  /** Writes (imports, choices) settled so far: other connections to the project reopen when it moves. */
  get changes(): number {
    return this.writes;
  }

  private opened(): ProjectStore {
    if (this.disposed) throw new Error(`project ${this.dbPath} is closed`);
    this.store ??= this.openStore(this.dbPath);
    return this.store;
  }

  dispose(): void {
    this.disposed = true;
    const store = this.store;
    this.store = null;
    store?.close();
  }
}
