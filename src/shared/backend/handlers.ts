/**
 * The operations implemented once, over a Project. Electron main (IPC) and natlens serve (HTTP)
 * only validate, route here and add what is theirs (dialogs, uploads). Node-only; never imported
 * by the renderer or the preload.
 */
import type { CaptureInterfaceJson, CaptureRow, ImportOptions, ImportProgress, ProjectInfo } from '../contract/api';
import type { ImportJson, NodeJson } from '../contract/contract-json';
import { ApiError } from '../contract/api-error';
import type { Project } from './project';
import type { RequestOf } from '../contract/api';
import type { FindingJson } from '../contract/finding-json';
import type { FlowDivergenceJson } from '../contract/flow-divergence-json';
import type { FlowDetailJson, FlowPageJson } from '../contract/flow-json';
import type { ReportFileJson } from '../contract/report-file-json';
import type { RulesetTimelineJson } from '../contract/ruleset-timeline-json';
import type { TopologyJson, TopologyNodeJson, TopologySummaryJson } from '../contract/topology-json';
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
      const iface = typeof c.id === 'number' ? interfaces.get(c.id) : undefined;
      return { id: c.id, node: node.name, kind: c.kind, source: c.source, takenAt: c.takenAt, ...(iface === undefined ? {} : { interface: iface }) };
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

function compareCaptures(a: CaptureRow, b: CaptureRow): number {
  if (a.takenAt !== b.takenAt) {
    if (a.takenAt === null) return 1;
    if (b.takenAt === null) return -1;
    return a.takenAt < b.takenAt ? -1 : 1;
  }
  if (a.node !== b.node) return a.node < b.node ? -1 : 1;
  return a.source < b.source ? -1 : a.source > b.source ? 1 : 0;
}

export function importPaths(
  project: Project,
  paths: readonly string[],
  options: ImportOptions,
  onProgress: (p: ImportProgress) => void,
  baseDir?: string,
): Promise<ImportJson> {
  return project.write((store) => store.importPaths(paths, options, onProgress, baseDir));
}

const EMPTY_TOPOLOGY: TopologyJson = { nodes: [], services: [], pods: [] };

export function topology(project: Project): TopologyJson {
  return project.read((store) => store.topology(), EMPTY_TOPOLOGY);
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

export function rulesetTimeline(project: Project, request: RequestOf<'rulesetTimeline'>): RulesetTimelineJson {
  const timeline = project.read((store) => store.rulesetTimeline(request.node), null);
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

export function flowDetail(project: Project, request: RequestOf<'flowDetail'>): FlowDetailJson {
  const detail = project.read((store) => store.flowDetail(request.id, request.offset ?? 0, request.limit ?? OBSERVATION_PAGE), null);
  if (detail === null) throw new ApiError('not-found', `no flow ${request.id} in this project`);
  return detail;
}

export function findings(project: Project): FindingJson[] {
  return project.read((store) => store.findings(), []);
}

export function flowDivergence(project: Project, request: RequestOf<'flowDivergence'>): FlowDivergenceJson {
  const view = project.read((store) => store.flowDivergence(request.id), null);
  if (view === null) throw new ApiError('not-found', `no flow ${request.id} in this project`);
  return view;
}
