/** Loads what the first screen shows in one go, so the screen never mixes data from two moments. */
import type { Api, CaptureRow, ProjectInfo } from '../../shared/contract/api';
import type { NodeJson } from '../../shared/contract/contract-json';

export interface ProjectSnapshot {
  info: ProjectInfo;
  nodes: NodeJson[];
  captures: CaptureRow[];
}

export async function loadProject(api: Api): Promise<ProjectSnapshot> {
  const [info, nodes, captures] = await Promise.all([api.getProjectInfo({}), api.listNodes({}), api.listCaptures({})]);
  return { info, nodes, captures };
}
