/**
 * The one typed map of natlens operations (Zui's messages.ts idea): name → request validator →
 * response type, plus where each one is reachable. Electron main registers an IPC handler per
 * entry, `natlens serve` an HTTP route per entry with a route, and the renderer calls them
 * through the `Api` derived below — no channel name or route is written twice.
 */
import type { TabId } from './tabs';
import type { ImportJson, NodeJson } from './contract-json';
import { MAX_FINDING_PAGE, type FindingPageJson } from './finding-json';
import type { FlowDivergenceJson } from './flow-divergence-json';
import type { FlowDetailJson, FlowPageJson } from './flow-json';
import { REPORT_FORMATS, type ReportFileJson } from './report-file-json';
import type { RulePageJson } from './rule-list-json';
import { MAX_RULESET_PAGE, type RulesetTimelinePageJson } from './ruleset-timeline-json';
import { MAX_TOPOLOGY_PAGE, type TopologyNodeJson, type TopologyPageJson, type TopologySummaryJson } from './topology-json';
import type { TraceResultJson } from './trace-json';
import { traceRequest } from './trace-request';
import { arrayOf, int, intParam, nullable, object, oneOf, optional, str, type Infer, type Validator } from './validator';

export interface ProjectInfo {
  shell: 'desktop' | 'web';
  /** Absolute path of the project database; null on the desktop before one is chosen. */
  dbPath: string | null;
  /** False until the first import creates the database file. */
  exists: boolean;
  nodes: number;
  captures: number;
}

/** A capture in the project-wide list: `natlens nodes --json` captures with their node. */
export interface CaptureRow {
  id: number | string;
  node: string;
  kind: string;
  source: string;
  takenAt: string | null;
  /** The name the user gave it (renameCapture); null or absent: none, it goes by `source`. */
  label?: string | null;
  /** Packet captures (pcap, pcapng, tcpdump text) only: the interface their packets were taken on, as far as it is known. */
  interface?: CaptureInterfaceJson;
}

/** Where a capture's interface was learnt, strongest first; `chosen`: set in the UI (`setCaptureInterface`). */
export const INTERFACE_BASES = ['packet', 'chosen', 'command', 'file-name', 'import-option'] as const;
export type InterfaceBasisJson = (typeof INTERFACE_BASES)[number];

export interface CaptureInterfaceJson {
  /** Every packet's interface when the capture does not name it per packet; null: not known. */
  name: string | null;
  from: InterfaceBasisJson | null;
  /** Interfaces the packets name themselves (pcapng, `tcpdump -i any`). */
  named: string[];
}

/** What a project edit answers: the id that undoes it, what it did, and what it met (a merge's duplicates and conflicts). */
export interface EditJson {
  undo: string;
  summary: string;
  notes: string[];
}

/** Progress of one import job: bytes while uploading (web), then whatever unit the importer counts. */
export interface ImportProgress {
  /**
   * 'waiting': another process (a CLI import) is writing the project; this import starts when it is done.
   * 'stitch': the files are stored and the flows are being stitched (done: packets; total 0, not known ahead).
   */
  phase: 'upload' | 'waiting' | 'import' | 'stitch';
  done: number;
  total: number;
  /** The file being worked on, when known. */
  current: string | null;
  /** Records (packets, rules, routes...) stored so far from `current`, when the importer counts them. */
  records?: number;
}
export type ProgressListener = (progress: ImportProgress) => void;

export interface HttpRoute {
  method: 'GET' | 'POST';
  path: `/api/${string}`;
}

/** desktop: Electron IPC only (dialogs, local paths); web: natlens serve only; all: both. */
export type Shells = 'all' | 'desktop' | 'web';

declare const responseType: unique symbol;

export interface OperationSpec<Req, Res, S extends Shells = Shells> {
  readonly request: Validator<Req>;
  readonly shells: S;
  readonly http: HttpRoute | null;
  /**
   * A job: it reports progress and can be cancelled. Its request carries the `job` id the client chose;
   * progress goes back tagged with it (IPC events, or NDJSON lines over HTTP) and `cancelJob` names it.
   */
  readonly job: boolean;
  /**
   * Heavy: it may compute for seconds on a big project (stitching, findings, a report, a replay). A face with an
   * operation pool runs it there, off the thread that answers requests; others run on the calling thread.
   */
  readonly heavy: boolean;
  /** What the user asked for, as a web-mode refusal of a desktop-only operation names it. */
  readonly title: string;
  /** Phantom: carries the response type; never present at runtime. */
  readonly [responseType]?: Res;
}

/** Curried so the response type is written and the request type inferred from its validator. */
function operation<Res>() {
  return <Req, S extends Shells, J extends boolean = false, H extends boolean = false>(spec: { request: Validator<Req>; shells: S; http?: HttpRoute; job?: J; heavy?: H; title: string }): OperationSpec<Req, Res, S> & { readonly job: J; readonly heavy: H } => ({
    request: spec.request,
    shells: spec.shells,
    http: spec.http ?? null,
    job: (spec.job ?? false) as J,
    heavy: (spec.heavy ?? false) as H,
    title: spec.title,
  });
}

const nodeName = str({ minLength: 1, maxLength: 253, printable: true });
/** Tags progress events so the shell can hand them to the caller that started the job. */
const jobId = str({ minLength: 1, maxLength: 64, printable: true });

const noRequest = object({});
/** The renderer never holds more than a page: flows in the table, packets in a flow's detail. */
export const MAX_FLOW_PAGE = 500;
export const MAX_OBSERVATION_PAGE = 1000;
/** The columns the flow list sorts by on the server (ties in first-seen order). */
export const FLOW_SORT_COLUMNS = ['id', 'proto', 'service', 'packets', 'first-seen'] as const;
export type FlowSortColumn = (typeof FLOW_SORT_COLUMNS)[number];
/** The longest flow filter expression a request may carry. */
export const MAX_FLOW_FILTER_LENGTH = 2000;
/** Traces one report request may carry (the report replays each). */
export const MAX_REPORT_TRACES = 20;
/** Rules one listRules page may hold. */
export const MAX_RULE_PAGE = 1000;
/** Nodes one topologyNodes request may name. */
export const MAX_TOPOLOGY_NODES = 500;
/**
 * `node` overrides every node name (CLI `--node`); `folderNode`: files given directly go to this node as if they
 * were in a folder of that name (files picked together in the UI), a shell prompt or collector manifest still naming its own.
 */
const importOptions = object({ node: optional(nodeName), folderNode: optional(nodeName) });

/** The import options of an import request, without the fields it leaves out. */
export function importOptionsOf(request: { node?: string; folderNode?: string }): ImportOptions {
  return { ...(request.node === undefined ? {} : { node: request.node }), ...(request.folderNode === undefined ? {} : { folderNode: request.folderNode }) };
}

export const operations = {
  getProjectInfo: operation<ProjectInfo>()({ title: 'Project information', request: noRequest, shells: 'all', http: { method: 'GET', path: '/api/project' } }),
  listNodes: operation<NodeJson[]>()({ title: 'The node list', request: noRequest, shells: 'all', http: { method: 'GET', path: '/api/nodes' } }),
  listCaptures: operation<CaptureRow[]>()({ title: 'The capture list', request: noRequest, shells: 'all', http: { method: 'GET', path: '/api/captures' } }),
  /** Nodes with their interfaces, bridges, namespaces and routes, a page at a time (TopologyPageJson), and the Kubernetes services and pods. */
  topology: operation<TopologyPageJson>()({ title: 'The topology',
    request: object({ offset: optional(intParam(0, Number.MAX_SAFE_INTEGER)), limit: optional(intParam(1, MAX_TOPOLOGY_PAGE)) }), shells: 'all', heavy: true, http: { method: 'GET', path: '/api/topology' } }),
  /** What the topology overview draws first: per node its box's contents, routes as node pairs or one full mesh, services and pods. */
  topologySummary: operation<TopologySummaryJson>()({ title: 'The topology summary', request: noRequest, shells: 'all', heavy: true, http: { method: 'GET', path: '/api/topology/summary' } }),
  /** The named nodes as `topology` has them (interfaces, routes, bridges, namespaces), for nodes opened in the overview; unknown names left out. */
  topologyNodes: operation<TopologyNodeJson[]>()({ title: 'The topology nodes',
    request: object({ names: arrayOf(nodeName, { minLength: 1, maxLength: MAX_TOPOLOGY_NODES }) }),
    shells: 'all',
    heavy: true,
    http: { method: 'POST', path: '/api/topology/nodes' },
  }),
  /** `natlens trace`: replays one packet through the captured rules and routes. POST: the request is a body, not a query. */
  trace: operation<TraceResultJson>()({ title: 'A trace', request: traceRequest, shells: 'all', heavy: true, http: { method: 'POST', path: '/api/trace' } }),
  /** `natlens rulesets`: the node's iptables snapshots, each diffed with the previous alike; `not-found` for an unknown node. */
  /** A page of the snapshots (default RULESET_PAGE), oldest first, with the changes that lead to them. */
  rulesetTimeline: operation<RulesetTimelinePageJson>()({ title: 'The ruleset timeline',
    request: object({ node: nodeName, offset: optional(int(0, Number.MAX_SAFE_INTEGER)), limit: optional(int(1, MAX_RULESET_PAGE)) }),
    shells: 'all',
    heavy: true,
    http: { method: 'POST', path: '/api/rulesets' },
  }),
  /**
   * `natlens report`: the whole report as one file (flows stitched first when the captures changed); `rejected` before the first import.
   * `traces`: traces the user added in the UI, replayed into the report's Traces section.
   */
  report: operation<ReportFileJson>()({ title: 'The report',
    request: object({ format: oneOf(REPORT_FORMATS), traces: optional(arrayOf(traceRequest, { maxLength: MAX_REPORT_TRACES })) }),
    shells: 'all',
    heavy: true,
    http: { method: 'POST', path: '/api/report' },
  }),
  /** `natlens findings`: what is wrong or suspicious, most severe first, each with its evidence (flows stitched first when the captures changed). */
  /** A page of them (`?offset=&limit=`, default FINDING_PAGE) with their total and counts per severity; the server keeps them while the captures stay the same. */
  findings: operation<FindingPageJson>()({ title: 'The findings',
    request: object({ offset: optional(intParam(0, Number.MAX_SAFE_INTEGER)), limit: optional(intParam(1, MAX_FINDING_PAGE)) }),
    shells: 'all',
    heavy: true,
    http: { method: 'GET', path: '/api/findings' },
  }),
  /**
   * Sets the interface a packet capture was taken on (null: forgets the choice), stored with the capture; the flows are
   * stitched again with it. Answers the capture's row; `not-found` for an unknown id, `rejected` for a capture without packets.
   */
  setCaptureInterface: operation<CaptureRow>()({ title: 'Setting a capture\'s interface',
    request: object({ captureId: int(1, Number.MAX_SAFE_INTEGER), interface: nullable(str({ minLength: 1, maxLength: 15, printable: true })) }),
    shells: 'all',
    http: { method: 'POST', path: '/api/capture-interface' },
  }),
  /** A flow's first packet replayed beside what the captures show of it, point by point; `not-found` for an unknown id. */
  flowDivergence: operation<FlowDivergenceJson>()({ title: 'The flow divergence', request: object({ id: int(1, Number.MAX_SAFE_INTEGER) }), shells: 'all', heavy: true, http: { method: 'POST', path: '/api/flow-divergence' } }),
  /** Shows an open dialog; null when the user cancels. */
  openProject: operation<ProjectInfo | null>()({ title: 'Open project', request: noRequest, shells: 'desktop' }),
  /** Shows a save dialog for a new database file; null when the user cancels. */
  createProject: operation<ProjectInfo | null>()({ title: 'New project', request: noRequest, shells: 'desktop' }),
  /** Shows a file dialog and imports what the user picks; null when the user cancels. */
  chooseAndImport: operation<ImportJson | null>()({ title: 'The file dialog', request: object({ node: optional(nodeName), folderNode: optional(nodeName), job: jobId }), shells: 'desktop', job: true }),
  /**
   * Desktop transport of `importFiles`: paths the preload read off dropped/picked File objects
   * with webUtils.getPathForFile — the renderer itself never names a path.
   */
  importPaths: operation<ImportJson>()({ title: 'Importing local paths',
    request: object({ paths: arrayOf(str({ minLength: 1, maxLength: 4096, printable: true }), { minLength: 1, maxLength: 1000 }), node: optional(nodeName), folderNode: optional(nodeName), job: jobId }),
    shells: 'desktop',
    job: true,
  }),
  /** Web transport of `importFiles`: files already uploaded to UPLOAD_ROUTE, by upload id. */
  importUploads: operation<ImportJson>()({ title: 'Importing uploads',
    // `job` is optional here: a client that never cancels need not name one (the route predates cancelling).
    request: object({ uploads: arrayOf(str({ minLength: 1, maxLength: 64, printable: true }), { minLength: 1, maxLength: 1000 }), node: optional(nodeName), folderNode: optional(nodeName), job: optional(jobId) }),
    shells: 'web',
    job: true,
    http: { method: 'POST', path: '/api/import' },
  }),
  /** A page of NAT-aware flows (stitched first when the captures changed since). POST: numbers in a body, not a query. */
  /**
   * `filter`: a tcpdump-style expression (`host 10.40.0.6 and port 8080`); the page and `total` are of the matching flows.
   * A filter that does not parse is `rejected` with the column of the problem. `sort`: the order of all the
   * (matching) flows; without it, first seen first.
   */
  listFlows: operation<FlowPageJson>()({ title: 'The flow list',
    request: object({
      offset: int(0, Number.MAX_SAFE_INTEGER),
      limit: int(1, MAX_FLOW_PAGE),
      filter: optional(str({ maxLength: MAX_FLOW_FILTER_LENGTH })),
      sort: optional(object({ column: oneOf(FLOW_SORT_COLUMNS), direction: oneOf(['asc', 'desc'] as const) })),
    }),
    shells: 'all',
    heavy: true,
    http: { method: 'POST', path: '/api/flows' },
  }),
  /** One flow with a page of its observations and its transformation timeline; `not-found` for an unknown id. */
  flowDetail: operation<FlowDetailJson>()({ title: 'The flow detail',
    request: object({ id: int(1, Number.MAX_SAFE_INTEGER), offset: optional(int(0, Number.MAX_SAFE_INTEGER)), limit: optional(int(1, MAX_OBSERVATION_PAGE)) }),
    shells: 'all',
    heavy: true,
    http: { method: 'POST', path: '/api/flow' },
  }),
  /**
   * Project edits: rename, merge and delete nodes, delete a capture or move it to another node. Each answers the
   * `undo` id `undoEdit` takes (only the newest edit can be undone; an import forgets them all). `not-found` for an
   * unknown node or capture, `rejected` for a clash (a name in use, a capture the target node already has).
   */
  renameNode: operation<EditJson>()({ title: 'Renaming a node', request: object({ node: nodeName, to: nodeName }), shells: 'all', http: { method: 'POST', path: '/api/nodes/rename' } }),
  /** Moves every capture of `node` to `into` and removes `node`; `notes` say what the two had in common or disagreed on. */
  mergeNodes: operation<EditJson>()({ title: 'Merging nodes', request: object({ node: nodeName, into: nodeName }), shells: 'all', http: { method: 'POST', path: '/api/nodes/merge' } }),
  deleteNode: operation<EditJson>()({ title: 'Deleting a node', request: object({ node: nodeName }), shells: 'all', http: { method: 'POST', path: '/api/nodes/delete' } }),
  deleteCapture: operation<EditJson>()({ title: 'Deleting a capture', request: object({ captureId: int(1, Number.MAX_SAFE_INTEGER) }), shells: 'all', http: { method: 'POST', path: '/api/captures/delete' } }),
  /** Moves a capture to the node named `node` (created when there is none). */
  moveCapture: operation<EditJson>()({ title: 'Moving a capture', request: object({ captureId: int(1, Number.MAX_SAFE_INTEGER), node: nodeName }), shells: 'all', http: { method: 'POST', path: '/api/captures/move' } }),
  /** Names a capture (`label` in the capture lists); an empty `to` takes the name away. Its source (file:line) stays. */
  renameCapture: operation<EditJson>()({ title: 'Renaming a capture',
    request: object({ captureId: int(1, Number.MAX_SAFE_INTEGER), to: str({ minLength: 0, maxLength: 253, printable: true }) }),
    shells: 'all',
    http: { method: 'POST', path: '/api/captures/rename' },
  }),
  /** Undoes the edit `undo` names, exactly; `not-found` when it can no longer be undone, `rejected` when a later edit came after it. */
  undoEdit: operation<{ summary: string }>()({ title: 'Undo', request: object({ undo: str({ minLength: 1, maxLength: 64, printable: true }) }), shells: 'all', http: { method: 'POST', path: '/api/undo' } }),
  /**
   * A node's iptables rules, a page at a time, in the order the capture printed them (its newest iptables capture unless
   * `captureId` names one), filtered by chain name prefix, target, text, an address (IP or CIDR) or a port.
   * `not-found` for an unknown node or capture; `invalid-request` for an address that is neither IP nor CIDR.
   */
  listRules: operation<RulePageJson>()({ title: 'The rule list',
    request: object({
      node: nodeName,
      captureId: optional(int(1, Number.MAX_SAFE_INTEGER)),
      offset: int(0, Number.MAX_SAFE_INTEGER),
      limit: int(1, MAX_RULE_PAGE),
      chain: optional(str({ maxLength: 64, printable: true })),
      target: optional(str({ maxLength: 64, printable: true })),
      text: optional(str({ maxLength: 500, printable: true })),
      address: optional(str({ maxLength: 64, printable: true })),
      port: optional(int(0, 65535)),
    }),
    shells: 'all',
    http: { method: 'POST', path: '/api/rules' },
  }),
  /** Cancels a running job (an import): nothing of the file it was reading is stored. `cancelled`: false when no such job runs (it ended). */
  cancelJob: operation<{ cancelled: boolean }>()({ title: 'Cancelling', request: object({ job: jobId }), shells: 'all', http: { method: 'POST', path: '/api/jobs/cancel' } }),
} as const;

export type Operations = typeof operations;
export type OperationName = keyof Operations;
export type RequestOf<N extends OperationName> = Infer<Operations[N]['request']>;
export type ResponseOf<N extends OperationName> = Operations[N] extends OperationSpec<infer _Req, infer R, infer _S> ? R : never;
export type ImportOptions = Infer<typeof importOptions>;

export const OPERATION_NAMES = Object.keys(operations) as OperationName[];
/** The operations a shell offers: every shell's, and its own. */
export type ShellOperation<S extends 'desktop' | 'web'> = { [N in OperationName]: Operations[N]['shells'] extends 'all' | S ? N : never }[OperationName];

/** The operations a shell offers, in table order. */
export function operationsOf<S extends 'desktop' | 'web'>(shell: S): ShellOperation<S>[] {
  return OPERATION_NAMES.filter((name): name is ShellOperation<S> => operations[name].shells === 'all' || operations[name].shells === shell);
}

export function isOperationName(name: string): name is OperationName {
  return Object.prototype.hasOwnProperty.call(operations, name);
}

/** Raw file bytes go here (POST, body = the file, X-Natlens-Filename = its URI-encoded name) before importUploads. */
export const UPLOAD_ROUTE = '/api/uploads';
export const UPLOAD_NAME_HEADER = 'x-natlens-filename';
/** A file of a dropped folder: its URI-encoded path inside the folder (`cluster/node-a/ip-addr.txt`); the server stages it there. */
export const UPLOAD_PATH_HEADER = 'x-natlens-path';

export const ipcChannel = (name: OperationName): string => `natlens:${name}`;
export const IPC_PROGRESS_CHANNEL = 'natlens:progress';

/**
 * A file to import: a File, or a file found in a dropped folder with its path inside it (`cluster/node-a/ip-addr.txt`,
 * the folder first). On the desktop a dropped folder itself is one item, its `folderPath` the folder's name.
 */
export type ImportItem = File | { file: File; folderPath: string };

/** Told apart by shape, not `instanceof File`: an item crossing Electron's context bridge is a copy from another world. */
export function isFolderItem(item: ImportItem): item is { file: File; folderPath: string } {
  return typeof (item as { folderPath?: unknown }).folderPath === 'string';
}

export function fileOfItem(item: ImportItem): File {
  return isFolderItem(item) ? item.file : item;
}

/**
 * The folder all paths share, by its last name (`/x/node-a/a.txt`, `/x/node-a/b.txt` → `node-a`); null when they
 * share none but the root, or there is no path. Works on `/` and `\\` paths alike.
 */
export function commonFolderName(paths: readonly string[]): string | null {
  const split = paths.map((p) => p.split(/[\\/]/).slice(0, -1));
  if (split.length === 0) return null;
  let shared = split[0]!;
  for (const parts of split.slice(1)) {
    let n = 0;
    while (n < shared.length && n < parts.length && shared[n] === parts[n]) n++;
    shared = shared.slice(0, n);
  }
  const name = shared.filter((p) => p !== '').pop();
  return name === undefined || /^[A-Za-z]:$/.test(name) ? null : name;
}

/** The two transports of importFiles are hidden behind it; the renderer never sees them. */
export const TRANSPORT_OPERATIONS = ['importPaths', 'importUploads'] as const satisfies readonly OperationName[];
type TransportOperation = (typeof TRANSPORT_OPERATIONS)[number];
export type RendererOperation = Exclude<OperationName, TransportOperation>;

/** Operations that run as jobs (progress, cancel): the client picks their `job` id. */
export type JobOperation = { [N in OperationName]: Operations[N]['job'] extends true ? N : never }[OperationName];
export type JobRequestOf<N extends JobOperation> = Omit<RequestOf<N>, 'job'>;
/** `onProgress` hears the job's progress; aborting `signal` cancels it (the call then rejects with code `cancelled`). */
export type JobCall<N extends JobOperation> = (request: JobRequestOf<N>, onProgress?: ProgressListener, signal?: AbortSignal) => Promise<ResponseOf<N>>;
export type PlainCall<N extends OperationName> = (request: RequestOf<N>) => Promise<ResponseOf<N>>;
type Call<N extends OperationName> = N extends JobOperation ? JobCall<N> : PlainCall<N>;
export type OperationCalls = { [N in RendererOperation]: Call<N> };

export function isJobOperation(name: OperationName): name is JobOperation {
  return operations[name].job;
}

/** Operations marked heavy: a face with an operation pool runs them off its request thread. */
export type HeavyOperation = { [N in OperationName]: Operations[N]['heavy'] extends true ? N : never }[OperationName];

export function isHeavyOperation(name: OperationName): name is HeavyOperation {
  return operations[name].heavy;
}

/**
 * What the desktop shell tells the page: a menu item was chosen (the page then runs the operation, so
 * progress shows), a tab was asked for, or main switched the project itself (a recent project).
 */
export type ShellEvent =
  | { kind: 'menu'; command: 'open-project' | 'new-project' | 'import' | 'export-report' | 'toggle-theme' }
  | { kind: 'show-tab'; tab: TabId }
  | { kind: 'project-changed' };
export const IPC_SHELL_EVENT_CHANNEL = 'natlens:shell-event';

/**
 * What the renderer talks to: window.natlens from the preload (IPC), or the fetch client in web mode.
 * Desktop-only operations reject with ApiError('unsupported') in web mode.
 */
export type Api = { readonly shell: 'desktop' | 'web' } & OperationCalls & {
  /**
   * Imports files the user dropped or picked: the desktop sends their paths, the web uploads their bytes (a dropped
   * folder's files with their paths in it, so the server walks the folder as the CLI does). Aborting `signal` cancels it.
   */
  importFiles(files: readonly ImportItem[], options: ImportOptions, onProgress?: ProgressListener, signal?: AbortSignal): Promise<ImportJson>;
  /** The name of the folder all `files` come from, where the shell knows it (desktop paths, a folder input's relative paths); else null. */
  commonFolderOf(files: readonly File[]): string | null;
  /** Listens for shell events; returns the unsubscribe function. The web shell has none. */
  onShellEvent(listener: (event: ShellEvent) => void): () => void;
  /**
   * The report as a file to save, streamed by the server as it is rendered (web: `GET /api/report`), so no JSON
   * answer holds it. Absent where the shell has no such route (the desktop saves `report`'s answer).
   */
  downloadReport?(request: RequestOf<'report'>, signal?: AbortSignal): Promise<ReportDownload>;
};

/** A downloaded report: the name the server suggests and the bytes with their media type. */
export interface ReportDownload {
  fileName: string;
  blob: Blob;
}

/** Validates a request for `name`; throws ValidationError. */
export function parseRequest<N extends OperationName>(name: N, raw: unknown): RequestOf<N> {
  const spec: OperationSpec<RequestOf<N>, ResponseOf<N>> = operations[name] as unknown as OperationSpec<RequestOf<N>, ResponseOf<N>>;
  return spec.request(raw, '');
}
