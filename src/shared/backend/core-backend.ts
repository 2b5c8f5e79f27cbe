/**
 * Binds the Project's store port to core: the one file of the faces that names core's store and
 * importer, so a change there is absorbed here. Node-only.
 */
import { Store } from '../../core/model/store';
import { listNodes } from '../../core/project/nodes';
import { importPaths } from '../../core/import/import-paths';
import { importError } from './import-errors';
import type { ImportProgress as CoreImportProgress } from '../../core/import/import-report';
import { rulesetHistoryPage } from '../../core/project/ruleset-history';
import { stitchFlows } from '../../core/project/flows-stitch';
import { clockOffsets, flowDetail, flowViewsByIds, forEachFlowView, type FlowView } from '../../core/project/flows';
import { listRules, RuleListError } from '../../core/project/rule-list';
import { flowFilterProblemText, parseFlowFilter } from '../../core/flows/flow-filter';
import { matchingFlowIds } from '../../core/project/flows-filter-page';
import { FlowStore, type FlowOrder } from '../../core/model/flow-store';
import { ModelError } from '../../core/model/model-error';
import { traceProject } from '../../core/project/project-trace';
import { ReplayWorlds } from './replay-worlds';
import { readTopology, readTopologyNodes } from '../../core/project/topology';
import { summariseTopology } from '../../core/project/topology-summary';
import { buildReport } from '../../core/project/report';
import { renderReportFile, reportFileName, reportMediaType, writeReport, type ReportFileFormat } from '../../core/report/report-file';
import type { ReportSink } from '../../core/report/report-sink';
import type { ReplayRequest } from '../../core/project/report-replay';
import { RuleSources } from '../../core/project/rule-sources';
import type { FlowTimeline } from '../../core/views/flow-timeline';
import { SimulateError, type NodeSnapshot, type TraceResult } from '../../core/simulate';
import { projectFindings } from '../../core/project/findings';
import { projectFlowDivergence, type FlowDivergenceView } from '../../core/project/flow-divergence';
import { ApiError } from '../contract/api-error';
import { assertNever } from '../../core/common/assert-never';
import { importOnWorker } from './import-job';
import type { CaptureInterfaceJson, EditJson, ImportOptions, ImportProgress, RequestOf } from '../contract/api';
import { captureInterfaces, setCaptureInterface, type CaptureInterfaceView, type SetCaptureInterfaceResult } from '../../core/project/capture-interfaces';
import type { ImportJson } from '../contract/contract-json';
import type { FlowDetailJson, FlowPageJson, FlowRowJson } from '../contract/flow-json';
import type { ReportFileJson, ReportFormat, ReportHeadJson } from '../contract/report-file-json';
import { findingPage, FindingsMemo } from './finding-page';
import type { RulesetTimelinePageJson } from '../contract/ruleset-timeline-json';
import type { RulePageJson } from '../contract/rule-list-json';
import type { FlowSort, ProjectStore, StoreOpener } from './project';
import { applyEdit, undoEdit, type EditResult } from '../../core/project/project-edits';
import { FULL_MESH_SUMMARY_MIN_NODES, type TopologyPageJson } from '../contract/topology-json';
import type { TraceResultJson } from '../contract/trace-json';
import type { TraceRequestJson } from '../contract/trace-request';

// The contract serves core's views as they are (contract-shapes.ts checks them against CONTRACT.md); these two map names.
const formatAsCore: (f: ReportFormat) => ReportFileFormat = (f) => f;
const sortAsCore: (s: FlowSort) => FlowOrder = (s) => s;

/** An edit or an undo that core refused, as the contract's error. */
function editRefusal(result: { kind: 'not-found' | 'conflict'; message: string }): ApiError {
  return new ApiError(result.kind === 'not-found' ? 'not-found' : 'rejected', result.message);
}

function editJson(result: EditResult): EditJson {
  switch (result.kind) {
    case 'done':
      return { undo: result.undoId, summary: result.summary, notes: result.notes };
    case 'not-found':
    case 'conflict':
      throw editRefusal(result);
    default:
      return assertNever(result);
  }
}

function interfaceJson(v: CaptureInterfaceView): CaptureInterfaceJson {
  return { name: v.name, from: v.from, named: v.named };
}

function chosenInterface(result: SetCaptureInterfaceResult, captureId: number): CaptureInterfaceJson {
  switch (result.kind) {
    case 'set':
      return interfaceJson(result.view);
    case 'not-found':
      throw new ApiError('not-found', `no capture ${captureId} in this project`);
    case 'not-packets':
      throw new ApiError('rejected', `capture ${captureId} is ${result.captureKind} output, not packets: it has no interface to choose`);
    case 'invalid-name':
      throw new ApiError('invalid-request', `"${result.name}" is not an interface name (1 to 15 characters, no space, / or :)`);
    default:
      return assertNever(result);
  }
}

function flowRow(f: FlowView): FlowRowJson {
  const { id, proto, original, reply, nat, service, evidence, firstSeen, lastSeen, packets, tcp } = f;
  return { id, proto, original, reply, nat, service, evidence, firstSeen, lastSeen, packets, tcp };
}

/** The ids one filter matched, kept while the stored flows stay the same: scrolling pages through them rescans nothing. */
export interface FilterMemo {
  generation: string | null;
  /** The filter and the order the ids are for. */
  key: string;
  ids: number[];
}

/** listRules: the core page is the contract's shape; its refusals become the contract's errors. */
function rulePage(store: Store, request: RequestOf<'listRules'>): RulePageJson {
  try {
    return listRules(store, request);
  } catch (e) {
    if (!(e instanceof RuleListError)) throw e;
    switch (e.reason) {
      case 'unknown-node':
      case 'unknown-capture':
        throw new ApiError('not-found', e.message);
      case 'bad-filter':
        throw new ApiError('invalid-request', e.message);
      default:
        return assertNever(e.reason);
    }
  }
}

function flowPage(store: Store, offset: number, limit: number, stitch: boolean, filterText: string | undefined, order: FlowOrder | undefined, memo: { last: FilterMemo | null }): FlowPageJson {
  if (stitch) stitchFlows(store);
  const flows: FlowRowJson[] = [];
  const total = new FlowStore(store).flowCount();
  const parsed = parseFlowFilter(filterText ?? '');
  if (!parsed.ok) throw new ApiError('rejected', `the flow filter does not read at ${flowFilterProblemText(parsed.problem)}`);
  if (parsed.filter === null) {
    // observations: 0 — a page of the table never carries packets.
    forEachFlowView(store, (f) => flows.push(flowRow(f)), { offset, limit, observations: 0, ...(order === undefined ? {} : { order }) });
    return { total, offset, flows, clock: clockOffsets(store) };
  }
  const generation = new FlowStore(store).stitchedGeneration();
  const key = JSON.stringify([filterText ?? '', order ?? null]);
  if (memo.last === null || memo.last.generation !== generation || memo.last.key !== key) {
    memo.last = { generation, key, ids: matchingFlowIds(store, parsed.filter, order) };
  }
  const ids = memo.last.ids;
  for (const f of flowViewsByIds(store, ids.slice(offset, offset + limit))) flows.push(flowRow(f));
  return { total: ids.length, unfiltered: total, offset, flows, clock: clockOffsets(store) };
}

function flowDetailPage(store: Store, id: number, offset: number, limit: number, stitch: boolean, world: () => NodeSnapshot[]): FlowDetailJson | null {
  if (stitch) stitchFlows(store);
  const f = flowDetail(store, id, { offset, limit });
  if (f === null) return null;
  return { ...flowRow(f), observations: f.observations, observationsOffset: offset, observationsOmitted: f.observationsOmitted, timeline: withRuleSources(store, f.timeline, world), links: f.links };
}

/** Each rewrite's rule with the `file:line` it was read at (the UI shows it beside the hop it rewrote). */
function withRuleSources(store: Store, timeline: FlowTimeline, world: () => NodeSnapshot[]): FlowTimeline {
  if (!timeline.rewrites.some((r) => r.line !== null)) return timeline;
  const sources = new RuleSources(store, world());
  return {
    ...timeline,
    rewrites: timeline.rewrites.map((r) => ({ ...r, source: r.line === null ? null : sources.sourceOf(r.node, r.table ?? '', r.chain ?? '', r.line, r.rule) })),
  };
}

function rulesetTimelinePage(store: Store, node: string, offset: number, limit: number): RulesetTimelinePageJson | null {
  const found = rulesetHistoryPage(store, node, offset, limit);
  if (found === null) return null;
  const { totalSnapshots, ...timeline } = found;
  const end = Math.min(totalSnapshots, offset + limit);
  return { ...timeline, page: { offset, limit, totalSnapshots, nextOffset: end < totalSnapshots ? end : null } };
}

/** A page of the topology's nodes; the services and pods (read over every node's newest ruleset) with the first only. */
function topologyPage(store: Store, offset: number, limit: number): TopologyPageJson {
  const names = store.listNodes().map((n) => n.name);
  const end = Math.min(names.length, offset + limit);
  const page = { offset, limit, totalNodes: names.length, nextOffset: end < names.length ? end : null };
  if (offset > 0) return { nodes: readTopologyNodes(store, names.slice(offset, end)), services: [], pods: [], page };
  const whole = readTopology(store);
  return { nodes: whole.nodes.slice(0, end), services: whole.services, pods: whole.pods, page };
}

/** A trace request of the UI as the report replays it. */
export function reportTrace(t: TraceRequestJson): ReplayRequest {
  return {
    node: t.node, proto: t.proto, src: t.src ?? null, sport: t.sport ?? null, dst: t.dst, dport: t.dport ?? null, in: t.in ?? null,
    local: t.local, follow: t.follow, snapshot: t.snapshot ?? null, bridgeNetfilter: t.bridgeNetfilter ?? null,
  };
}

function reportFile(store: Store, format: ReportFormat, traces: readonly TraceRequestJson[], stitch: boolean): ReportFileJson | null {
  if (store.listNodes().length === 0) return null;
  if (stitch) stitchFlows(store);
  const report = buildReport(store, { traces: traces.map(reportTrace) });
  const file = renderReportFile(report, formatAsCore(format));
  const s = report.summary;
  return {
    format,
    fileName: file.fileName,
    mediaType: file.mediaType,
    ...(file.kind === 'text' ? { encoding: 'utf8' as const, content: file.text } : { encoding: 'base64' as const, content: Buffer.from(file.bytes).toString('base64') }),
    generatedAt: report.generatedAt,
    summary: { nodes: s.nodes, captures: s.captures, services: s.services, findings: s.findings, flows: s.flows, flowsListed: report.flows.shown.length },
  };
}

/**
 * The report written a block at a time into the sink `begin` opens once the report is built (its head: the file's
 * name and media type, known before the first byte); answers that head, or null before the first import.
 */
function streamReportFile(store: Store, format: ReportFormat, traces: readonly TraceRequestJson[], stitch: boolean, begin: (head: ReportHeadJson) => ReportSink): ReportHeadJson | null {
  if (store.listNodes().length === 0) return null;
  if (stitch) stitchFlows(store);
  const report = buildReport(store, { traces: traces.map(reportTrace) });
  const s = report.summary;
  const coreFormat = formatAsCore(format);
  const head: ReportHeadJson = {
    format,
    fileName: reportFileName(report, coreFormat),
    mediaType: reportMediaType(coreFormat),
    generatedAt: report.generatedAt,
    summary: { nodes: s.nodes, captures: s.captures, services: s.services, findings: s.findings, flows: s.flows, flowsListed: report.flows.shown.length },
  };
  writeReport(report, coreFormat, begin(head));
  return head;
}

/**
 * The replay's refusals (unknown node, not a ruleset snapshot) are the caller's to fix: `rejected`,
 * as the CLI's exit 1; a request the captures contradict (an interface the node does not have, no
 * source to choose) is `invalid-request`, as the CLI's exit 2.
 */
function runTrace(store: Store, request: TraceRequestJson, worlds: ReplayWorlds): TraceResultJson {
  const { snapshot, ...rest } = request;
  try {
    const world = worlds.of(store, snapshot ?? null);
    return traceProject(store, { ...rest, in: rest.in ?? null }, { snapshot: snapshot ?? null, world });
  } catch (e) {
    if (e instanceof SimulateError) throw new ApiError(e.usage ? 'invalid-request' : 'rejected', e.message);
    if (e instanceof ModelError) throw new ApiError('rejected', e.reason);
    throw e;
  }
}

export interface CoreStoreOptions {
  /** Path of a better-sqlite3 addon built for the running ABI (Electron main); null or absent: the installed one. */
  nativeBinding?: string | null;
  /**
   * The built import worker script (out/cli/import-worker.cjs, out/main/import-worker.js): imports
   * run there, so the caller's event loop stays free to stream progress. Absent: on the calling thread.
   */
  importWorker?: string;
  /**
   * An operation pool's worker opens its own store: the face that owns the imports says whether one runs, so
   * the worker reads the flows stitched so far instead of waiting on the import's transaction.
   */
  importRunning?: () => boolean;
}

function progressJson(p: CoreImportProgress): ImportProgress {
  return { phase: 'import', done: p.bytesDone ?? 0, total: p.bytesDone === null ? 0 : p.bytesTotal, current: p.file, records: p.records };
}

/** Stitching after the import: packets done (the total is not known ahead). */
function stitchProgressJson(packets: number): ImportProgress {
  return { phase: 'stitch', done: packets, total: 0, current: null };
}

const WAITING: ImportProgress = { phase: 'waiting', done: 0, total: 0, current: null };

/** Core's refusals as the contract's errors: a cancelled import is `cancelled`, any other failure `internal`. */
export function coreStoreOpener(options: CoreStoreOptions = {}): StoreOpener {
  return (dbPath) => {
    let store = Store.open(dbPath, { nativeBinding: options.nativeBinding });
    let closed = false;
    // One import at a time per store: a second one waits for the first.
    let importQueue: Promise<unknown> = Promise.resolve();
    // Stitching writes: while a worker imports, this side only reads (the flows stitched so far).
    let importing = 0;
    const importElsewhere = options.importRunning ?? (() => false);
    const stitchAllowed = (): boolean => importing === 0 && !importElsewhere();
    const inWorker = (script: string, paths: readonly string[], opts: ImportOptions, onProgress: (p: ImportProgress) => void, baseDir?: string, signal?: AbortSignal): Promise<ImportJson> => {
      const job = { dbPath, nativeBinding: options.nativeBinding ?? null, paths, node: opts.node ?? null, folderNode: opts.folderNode ?? null, baseDir: baseDir ?? null };
      const listeners = {
        onProgress: (p: CoreImportProgress) => onProgress(progressJson(p)), onStitchProgress: (_pass: string, packets: number) => onProgress(stitchProgressJson(packets)),
        onWaiting: () => onProgress(WAITING), ...(signal === undefined ? {} : { signal }),
      };
      const run = (): Promise<ImportJson> => {
        importing++;
        return importOnWorker(script, job, listeners).catch((e: unknown) => Promise.reject(importError(e))).finally(() => {
          importing--;
          // Reopen so nothing this side cached from before the worker's writes is read again.
          if (closed) return;
          store.close();
          store = Store.open(dbPath, { nativeBinding: options.nativeBinding });
        });
      };
      const result = importQueue.then(run, run);
      importQueue = result.catch(() => undefined);
      return result;
    };
    const filterMemo: { last: FilterMemo | null } = { last: null };
    const findingsMemo = new FindingsMemo(() => new FlowStore(store).captureGeneration(), () => projectFindings(store));
    // The replay worlds of the current captures, kept while they do not change (see FlowDivergenceOptions).
    const worlds = new ReplayWorlds();
    const currentWorld = (): NodeSnapshot[] => worlds.of(store);
    const port: ProjectStore = {
      listNodes: () => listNodes(store),
      async importPaths(paths, opts, onProgress, baseDir, signal) {
        if (options.importWorker !== undefined) return inWorker(options.importWorker, paths, opts, onProgress, baseDir, signal);
        try {
          const report = importPaths(store, paths, {
            node: opts.node ?? null, folderNode: opts.folderNode ?? null, readFrom: baseDir ?? null, signal: signal ?? null, onProgress: (p) => onProgress(progressJson(p)),
            stitch: true, onStitchProgress: (_pass, packets) => onProgress(stitchProgressJson(packets)),
          });
          return report;
        } catch (e) {
          throw importError(e);
        }
      },
      topology: (offset, limit) => topologyPage(store, offset, limit),
      topologySummary: () => summariseTopology(readTopology(store), FULL_MESH_SUMMARY_MIN_NODES),
      topologyNodes: (names) => readTopologyNodes(store, names),
      trace: (request) => runTrace(store, request, worlds),
      listFlows: (offset, limit, filter, sort) => flowPage(store, offset, limit, stitchAllowed(), filter, sort === undefined ? undefined : sortAsCore(sort), filterMemo),
      flowDetail: (id, offset, limit) => flowDetailPage(store, id, offset, limit, stitchAllowed(), currentWorld),
      rulesetTimeline: (node, offset, limit) => rulesetTimelinePage(store, node, offset, limit),
      listRules: (request) => rulePage(store, request),
      report: (format, traces) => reportFile(store, format, traces, stitchAllowed()),
      streamReport: (format, traces, begin) => streamReportFile(store, format, traces, stitchAllowed(), begin),
      findings: (offset, limit) => {
        // projectFindings stitches (writes) first; while a worker imports, that write would wait on its transaction.
        if (!stitchAllowed()) throw new ApiError('rejected', 'an import is running: the findings are checked when it ends');
        return findingPage(findingsMemo.current(), offset, limit);
      },
      flowDivergence: (id) => {
        if (stitchAllowed()) stitchFlows(store);
        return projectFlowDivergence(store, id, { world: currentWorld() });
      },
      importRunning: () => importing > 0,
      captureInterfaces: () => new Map([...captureInterfaces(store)].map(([id, v]) => [id, interfaceJson(v)])),
      setCaptureInterface: (captureId, iface) => {
        if (importing > 0) throw new ApiError('rejected', 'an import is running: choose the interface when it ends');
        return chosenInterface(setCaptureInterface(store, captureId, iface), captureId);
      },
      edit: (edit) => {
        if (importing > 0) throw new ApiError('rejected', 'an import is running: change the project when it ends');
        return editJson(applyEdit(store, edit));
      },
      undoEdit: (undoId) => {
        if (importing > 0) throw new ApiError('rejected', 'an import is running: undo when it ends');
        const result = undoEdit(store, undoId);
        switch (result.kind) {
          case 'undone':
            return { summary: result.summary };
          case 'not-found':
          case 'conflict':
            throw editRefusal(result);
          default:
            return assertNever(result);
        }
      },
      close: () => {
        closed = true;
        worlds.clear();
        store.close();
      },
    };
    return port;
  };
}
