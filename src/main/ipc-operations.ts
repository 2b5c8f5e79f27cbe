/**
 * IPC of the desktop shell: one ipcMain.handle per operation, each validating its request with the
 * shared validator and answering an IpcReply. Requests are only accepted from our own page.
 */
import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { ApiError } from '../shared/contract/api-error';
import { IPC_PROGRESS_CHANNEL, ipcChannel, OPERATION_NAMES, operations, parseRequest, type ImportProgress, type OperationName, type Operations, type RequestOf, type ResponseOf } from '../shared/contract/api';
import type { ImportJson } from '../shared/contract/contract-json';
import { findings, flowDetail, flowDivergence, importPaths, listCaptures, listFlows, listNodes, projectInfo, report, rulesetTimeline, setCaptureInterface, topology, topologyNodes, topologySummary, trace } from '../shared/backend/handlers';
import type { IpcProgressMessage, IpcReply } from '../shared/contract/ipc-envelope';
import type { Project } from '../shared/backend/project';
import { ValidationError } from '../shared/contract/validator';
import { assertNever } from '../core/common/assert-never';
import type { DesktopProject } from './desktop-project';
import { toDisposable, type Disposable } from './disposables';

type DesktopOperation = { [N in OperationName]: Operations[N]['shells'] extends 'web' ? never : N }[OperationName];

const DB_FILTERS = [{ name: 'natlens project', extensions: ['db', 'sqlite', 'natlens'] }];

export interface IpcContext {
  desktop: DesktopProject;
  /** True for a frame URL of our own renderer. */
  isOwnPage(url: string): boolean;
}

function requireProject(ctx: IpcContext): Project {
  const project = ctx.desktop.project;
  if (project === null) throw new ApiError('rejected', 'no project is open: use Open project or New project first');
  return project;
}

function progressTo(event: IpcMainInvokeEvent, job: string): (p: ImportProgress) => void {
  return (progress) => {
    if (!event.sender.isDestroyed()) event.sender.send(IPC_PROGRESS_CHANNEL, { job, progress } satisfies IpcProgressMessage);
  };
}

async function run<N extends DesktopOperation>(ctx: IpcContext, name: N, request: RequestOf<N>, event: IpcMainInvokeEvent): Promise<ResponseOf<N>> {
  const win = BrowserWindow.fromWebContents(event.sender) ?? undefined;
  // Each case returns the response type of its own operation; TypeScript cannot narrow N from the switch.
  const answer = async (): Promise<unknown> => {
    switch (name) {
      case 'getProjectInfo':
        return projectInfo(ctx.desktop.project, 'desktop');
      case 'listNodes': {
        const project = ctx.desktop.project;
        return project === null ? [] : listNodes(project);
      }
      case 'listCaptures': {
        const project = ctx.desktop.project;
        return project === null ? [] : listCaptures(project);
      }
      case 'topology': {
        const project = ctx.desktop.project;
        return project === null ? { nodes: [], services: [], pods: [] } : topology(project);
      }
      case 'topologySummary': {
        const project = ctx.desktop.project;
        return project === null ? { nodes: [], routes: { kind: 'pairs', pairs: [] }, services: [], pods: [] } : topologySummary(project);
      }
      case 'topologyNodes': {
        const project = ctx.desktop.project;
        return project === null ? [] : topologyNodes(project, request as RequestOf<'topologyNodes'>);
      }
      case 'trace':
        return trace(requireProject(ctx), request as RequestOf<'trace'>);
      case 'listFlows': {
        const project = ctx.desktop.project;
        const r = request as RequestOf<'listFlows'>;
        return project === null ? { total: 0, offset: r.offset, flows: [], clock: [] } : listFlows(project, r);
      }
      case 'flowDetail':
        return flowDetail(requireProject(ctx), request as RequestOf<'flowDetail'>);
      case 'rulesetTimeline':
        return rulesetTimeline(requireProject(ctx), request as RequestOf<'rulesetTimeline'>);
      case 'report':
        return report(requireProject(ctx), request as RequestOf<'report'>);
      case 'flowDivergence':
        return flowDivergence(requireProject(ctx), request as RequestOf<'flowDivergence'>);
      case 'setCaptureInterface':
        return setCaptureInterface(requireProject(ctx), request as RequestOf<'setCaptureInterface'>);
      case 'findings': {
        const project = ctx.desktop.project;
        return project === null ? [] : findings(project);
      }
      case 'openProject': {
        const options = { title: 'Open natlens project', properties: ['openFile' as const], filters: DB_FILTERS };
        const chosen = win === undefined ? await dialog.showOpenDialog(options) : await dialog.showOpenDialog(win, options);
        const file = chosen.filePaths[0];
        if (chosen.canceled || file === undefined) return null;
        return projectInfo(ctx.desktop.switchTo(file, false), 'desktop');
      }
      case 'createProject': {
        const options = { title: 'New natlens project', defaultPath: 'natlens.db', filters: DB_FILTERS };
        const chosen = win === undefined ? await dialog.showSaveDialog(options) : await dialog.showSaveDialog(win, options);
        if (chosen.canceled || chosen.filePath === undefined || chosen.filePath === '') return null;
        return projectInfo(ctx.desktop.switchTo(chosen.filePath, true), 'desktop');
      }
      case 'chooseAndImport': {
        const project = requireProject(ctx);
        const r = request as RequestOf<'chooseAndImport'>;
        const options = { title: 'Import captures', properties: ['openFile' as const, 'multiSelections' as const] };
        const chosen = win === undefined ? await dialog.showOpenDialog(options) : await dialog.showOpenDialog(win, options);
        if (chosen.canceled || chosen.filePaths.length === 0) return null;
        return importPaths(project, chosen.filePaths, r.node === undefined ? {} : { node: r.node }, progressTo(event, r.job));
      }
      case 'importPaths': {
        const project = requireProject(ctx);
        const r = request as RequestOf<'importPaths'>;
        const result: ImportJson = await importPaths(project, r.paths, r.node === undefined ? {} : { node: r.node }, progressTo(event, r.job));
        return result;
      }
      default:
        return assertNever(name);
    }
  };
  return (await answer()) as ResponseOf<N>;
}

function replyError(err: unknown): IpcReply<never> {
  if (err instanceof ApiError) return { ok: false, error: err.toJSON() };
  if (err instanceof ValidationError) return { ok: false, error: { code: 'invalid-request', message: err.message } };
  return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } };
}

export function registerIpcOperations(ctx: IpcContext): Disposable {
  const names = OPERATION_NAMES.filter((n): n is DesktopOperation => operations[n].shells !== 'web');
  for (const name of names) {
    ipcMain.handle(ipcChannel(name), async (event, raw: unknown): Promise<IpcReply<unknown>> => {
      try {
        const url = event.senderFrame?.url ?? '';
        if (!ctx.isOwnPage(url)) throw new ApiError('forbidden', `IPC from ${url || 'an unknown frame'} refused`);
        return { ok: true, value: await run(ctx, name, parseRequest(name, raw), event) };
      } catch (err) {
        return replyError(err);
      }
    });
  }
  return toDisposable(() => names.forEach((name) => ipcMain.removeHandler(ipcChannel(name))));
}
