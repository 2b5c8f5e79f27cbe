/**
 * The operations implemented once, over a Project. Electron main (IPC) and natlens serve (HTTP)
 * only validate, route here and add what is theirs (dialogs, uploads). Node-only; never imported
 * by the renderer or the preload.
 */
import { isHeavyOperation, operations, parseRequest, type CaptureInterfaceJson, type HeavyOperation, type CaptureRow, type EditJson, type ImportOptions, type ImportProgress, type OperationName, type Operations, type ProgressListener, type ProjectInfo, type RequestOf, type ResponseOf } from '../contract/api';
import type { JobRegistry } from './jobs';
import type { ImportJson, NodeJson } from '../contract/contract-json';
import { ApiError } from '../contract/api-error';
import type { Project, ProjectEdit } from './project';
import { FINDING_PAGE, type FindingPageJson } from '../contract/finding-json';
import type { FlowDivergenceJson } from '../contract/flow-divergence-json';
import type { FlowDetailJson, FlowPageJson } from '../contract/flow-json';
import type { ReportFileJson } from '../contract/report-file-json';
import type { RulePageJson } from '../contract/rule-list-json';
import { RULESET_PAGE, type RulesetTimelinePageJson } from '../contract/ruleset-timeline-json';
import { TOPOLOGY_PAGE, type TopologyJson, type TopologyNodeJson, type TopologyPageJson, type TopologySummaryJson } from '../contract/topology-json';
import type { TraceResultJson } from '../contract/trace-json';
import type { TraceRequestJson } from '../contract/trace-request';

export function projectInfo(project: Project | null, shell: ProjectInfo['shell']): ProjectInfo {
  if (project === null) return { shell, dbPath: null, exists: false, nodes: 0, captures: 0 };
  const nodes = listNodes(project);
  return {
    shell,
    dbPath: project.dbPath,
    exists: project.exists,
    nodes: nodes.length,
    captures: nodes.reduce((n, node) => n + node.captures.length, 0),
  };
}

export function listNodes(project: Project): NodeJson[] {
  return project.read((store) => store.listNodes(), []);
}

/** Every capture of the project, oldest first (captures without a time last), then by node. */
export function listCaptures(project: Project): CaptureRow[] {
  const interfaces = project.read((store) => store.captureInterfaces(), new Map<number, CaptureInterfaceJson>());
  const rows: CaptureRow[] = listNodes(project).flatMap((node) =>
    node.captures.map((c) => {
      const iface = interfaces.get(c.id);
      return { id: c.id, node: node.name, kind: c.kind, source: c.source, takenAt: c.takenAt, ...(c.label == null ? {} : { label: c.label }), ...(iface === undefined ? {} : { interface: iface }) };
    }),
  );
  return rows.sort(compareCaptures);
}

/** Sets (or, with null, forgets) the interface of a packet capture; answers its row as `listCaptures` shows it. */
export function setCaptureInterface(project: Project, request: RequestOf<'setCaptureInterface'>): CaptureRow {
  if (!project.exists) throw new ApiError('not-found', `no capture ${request.captureId} in this project`);
  project.write((store) => store.setCaptureInterface(request.captureId, request.interface));
  const row = listCaptures(project).find((c) => c.id === request.captureId);
  if (row === undefined) throw new ApiError('not-found', `no capture ${request.captureId} in this project`);
  return row;
}

/** Numbers in names compare as numbers: `t.txt:435` before `t.txt:1044`, `node-2` before `node-10`. */
const natural = new Intl.Collator('en', { numeric: true });

export function compareCaptures(a: CaptureRow, b: CaptureRow): number {
  if (a.takenAt !== b.takenAt) {
    if (a.takenAt === null) return 1;
    if (b.takenAt === null) return -1;
    return a.takenAt < b.takenAt ? -1 : 1;
  }
  if (a.node !== b.node) return natural.compare(a.node, b.node);
  return natural.compare(a.source, b.source);
}

export function importPaths(
  project: Project,
  paths: readonly string[],
  options: ImportOptions,
  onProgress: (p: ImportProgress) => void,
  baseDir?: string,
  signal?: AbortSignal,
): Promise<ImportJson> {
  return project.write((store) => store.importPaths(paths, options, onProgress, baseDir, signal));
}

const EMPTY_TOPOLOGY: TopologyJson = { nodes: [], services: [], pods: [] };

export function topology(project: Project, request: RequestOf<'topology'> = {}): TopologyPageJson {
  return project.read((store) => store.topology(request.offset ?? 0, request.limit ?? TOPOLOGY_PAGE), EMPTY_TOPOLOGY);
}

const EMPTY_TOPOLOGY_SUMMARY: TopologySummaryJson = { nodes: [], routes: { kind: 'pairs', pairs: [] }, services: [], pods: [] };

export function topologySummary(project: Project): TopologySummaryJson {
  return project.read((store) => store.topologySummary(), EMPTY_TOPOLOGY_SUMMARY);
}

export function topologyNodes(project: Project, request: { names: readonly string[] }): TopologyNodeJson[] {
  return project.read((store) => store.topologyNodes(request.names), []);
}

export function trace(project: Project, request: TraceRequestJson): TraceResultJson {
  const result = project.read<TraceResultJson | null>((store) => store.trace(request), null);
  if (result === null) throw new ApiError('rejected', 'nothing is imported yet: import captures of the node first');
  return result;
}

export function rulesetTimeline(project: Project, request: RequestOf<'rulesetTimeline'>): RulesetTimelinePageJson {
  const timeline = project.read((store) => store.rulesetTimeline(request.node, request.offset ?? 0, request.limit ?? RULESET_PAGE), null);
  if (timeline === null) throw new ApiError('not-found', `no node "${request.node}" in this project`);
  return timeline;
}

export function report(project: Project, request: RequestOf<'report'>): ReportFileJson {
  const file = project.read<ReportFileJson | null>((store) => store.report(request.format, request.traces ?? []), null);
  if (file === null) throw new ApiError('rejected', 'nothing is imported yet: import captures first');
  return file;
}

/** The page size of a flow's observations when the request names none. */
export const OBSERVATION_PAGE = 200;

export function listFlows(project: Project, request: RequestOf<'listFlows'>): FlowPageJson {
  return project.read((store) => store.listFlows(request.offset, request.limit, request.filter, request.sort), { total: 0, offset: request.offset, flows: [], clock: [] });
}

export function listRules(project: Project, request: RequestOf<'listRules'>): RulePageJson {
  const page = project.read((store) => store.listRules(request), null);
  if (page === null) throw new ApiError('not-found', `there is no node "${request.node}" in this project`);
  return page;
}

export function flowDetail(project: Project, request: RequestOf<'flowDetail'>): FlowDetailJson {
  const detail = project.read((store) => store.flowDetail(request.id, request.offset ?? 0, request.limit ?? OBSERVATION_PAGE), null);
  if (detail === null) throw new ApiError('not-found', `no flow ${request.id} in this project`);
  return detail;
}

export function findings(project: Project, request: RequestOf<'findings'> = {}): FindingPageJson {
  const offset = request.offset ?? 0;
  const limit = request.limit ?? FINDING_PAGE;
  return project.read((store) => store.findings(offset, limit), emptyFindings(offset, limit));
}

/** The findings answer of a project with nothing imported. */
function emptyFindings(offset: number, limit: number): FindingPageJson {
  return { findings: [], page: { offset, limit, total: 0, nextOffset: null }, severities: { error: 0, warning: 0, info: 0 } };
}

export function flowDivergence(project: Project, request: RequestOf<'flowDivergence'>): FlowDivergenceJson {
  const view = project.read((store) => store.flowDivergence(request.id), null);
  if (view === null) throw new ApiError('not-found', `no flow ${request.id} in this project`);
  return view;
}

/** Renames, merges or deletes what the project holds; nothing to edit before the first import. */
export function editProject(project: Project, edit: ProjectEdit): EditJson {
  if (!project.exists) throw new ApiError('not-found', 'nothing is imported yet');
  return project.write((store) => store.edit(edit));
}

export function undoEdit(project: Project, undoId: string): { summary: string } {
  if (!project.exists) throw new ApiError('not-found', 'nothing is imported yet');
  return project.write((store) => store.undoEdit(undoId));
}

/** What a handler runs with: the face fills in the project and shell, the runner the job's progress and signal. */
export interface OperationContext {
  /** Null on the desktop before a project is chosen. */
  readonly project: Project | null;
  readonly shell: ProjectInfo['shell'];
  readonly jobs: JobRegistry;
  /** Where a job's progress goes (IPC events, NDJSON lines); a no-op for other operations. */
  readonly progress: ProgressListener;
  /** Aborted when the job is cancelled; never for other operations. */
  readonly signal: AbortSignal;
}

export type Handler<N extends OperationName, C extends OperationContext = OperationContext> = (ctx: C, request: RequestOf<N>) => ResponseOf<N> | Promise<ResponseOf<N>>;
export type HandlerTable<N extends OperationName, C extends OperationContext = OperationContext> = { readonly [K in N]: Handler<K, C> };

/** Operations every shell offers; face-only ones (dialogs, uploads) are handled by their face. */
export type SharedOperation = { [N in OperationName]: Operations[N]['shells'] extends 'all' ? N : never }[OperationName];
export type FaceOperation<S extends 'desktop' | 'web'> = { [N in OperationName]: Operations[N]['shells'] extends S ? N : never }[OperationName];

function openProject(ctx: OperationContext): Project {
  if (ctx.project === null) throw new ApiError('rejected', 'no project is open: use Open project or New project first');
  return ctx.project;
}

/** Reads of a shell with no project open answer what an empty project would. */
function readOr<T>(ctx: OperationContext, empty: T, fn: (project: Project) => T): T {
  return ctx.project === null ? empty : fn(ctx.project);
}

/** The operations over a project, each implemented once; HTTP and IPC both route here. */
export const sharedHandlers: HandlerTable<SharedOperation> = {
  getProjectInfo: (ctx) => projectInfo(ctx.project, ctx.shell),
  listNodes: (ctx) => readOr(ctx, [], listNodes),
  listCaptures: (ctx) => readOr(ctx, [], listCaptures),
  topology: (ctx, request) => readOr(ctx, EMPTY_TOPOLOGY, (project) => topology(project, request)),
  topologySummary: (ctx) => readOr(ctx, EMPTY_TOPOLOGY_SUMMARY, topologySummary),
  topologyNodes: (ctx, request) => readOr(ctx, [], (project) => topologyNodes(project, request)),
  trace: (ctx, request) => trace(openProject(ctx), request),
  rulesetTimeline: (ctx, request) => rulesetTimeline(openProject(ctx), request),
  report: (ctx, request) => report(openProject(ctx), request),
  findings: (ctx, request) => readOr(ctx, emptyFindings(request.offset ?? 0, request.limit ?? FINDING_PAGE), (project) => findings(project, request)),
  flowDivergence: (ctx, request) => flowDivergence(openProject(ctx), request),
  setCaptureInterface: (ctx, request) => setCaptureInterface(openProject(ctx), request),
  listFlows: (ctx, request) => readOr(ctx, { total: 0, offset: request.offset, flows: [], clock: [] }, (project) => listFlows(project, request)),
  flowDetail: (ctx, request) => flowDetail(openProject(ctx), request),
  renameNode: (ctx, request) => editProject(openProject(ctx), { kind: 'rename-node', node: request.node, to: request.to }),
  mergeNodes: (ctx, request) => editProject(openProject(ctx), { kind: 'merge-nodes', node: request.node, into: request.into }),
  deleteNode: (ctx, request) => editProject(openProject(ctx), { kind: 'delete-node', node: request.node }),
  deleteCapture: (ctx, request) => editProject(openProject(ctx), { kind: 'delete-capture', captureId: request.captureId }),
  moveCapture: (ctx, request) => editProject(openProject(ctx), { kind: 'move-capture', captureId: request.captureId, node: request.node }),
  renameCapture: (ctx, request) => editProject(openProject(ctx), { kind: 'rename-capture', captureId: request.captureId, to: request.to }),
  undoEdit: (ctx, request) => undoEdit(openProject(ctx), request.undo),
  listRules: (ctx, request) => listRules(openProject(ctx), request),
  cancelJob: (ctx, request) => ({ cancelled: ctx.jobs.cancel(request.job) }),
};

const NEVER_ABORTED = new AbortController().signal;

/** Where a face runs heavy operations off its own thread (operation-pool.ts); the result is what the handler would answer. */
export interface OperationOffload {
  run<N extends HeavyOperation & SharedOperation>(project: Project, shell: ProjectInfo['shell'], name: N, request: RequestOf<N>, signal: AbortSignal): Promise<ResponseOf<N>>;
}

export interface RunOptions {
  /** Heavy operations go there when the project exists; absent: every operation runs on the calling thread. */
  offload?: OperationOffload | null;
  /** Aborted when the caller goes away (an HTTP client disconnects): an offloaded operation is stopped. */
  signal?: AbortSignal;
}

/**
 * Validates `raw` for `name` and runs its handler; a job runs registered in `jobs` under its id, with
 * its own signal. The one dispatch of both faces: `contextFor` is where they differ (project, progress).
 */
export async function runOperation<N extends OperationName, C extends OperationContext>(
  table: HandlerTable<N, C>,
  name: N,
  raw: unknown,
  jobs: JobRegistry,
  contextFor: (job: string | null, signal: AbortSignal) => C,
  options: RunOptions = {},
): Promise<ResponseOf<N>> {
  const request = parseRequest(name, raw);
  const handler: Handler<N, C> = table[name];
  if (!operations[name].job) {
    const ctx = contextFor(null, NEVER_ABORTED);
    const offload = options.offload ?? null;
    const { project } = ctx;
    if (offload !== null && project !== null && project.exists && isHeavyOperation(name) && isShared(name)) {
      return offload.run(project, ctx.shell, name, request as RequestOf<typeof name>, options.signal ?? NEVER_ABORTED) as Promise<ResponseOf<N>>;
    }
    return handler(ctx, request);
  }
  const jobId = (request as { job?: string }).job ?? null;
  const job = jobs.start(jobId);
  try {
    return await handler(contextFor(jobId, job.signal), request);
  } finally {
    job.finish();
  }
}

function isShared(name: OperationName): name is SharedOperation {
  return operations[name].shells === 'all';
}
