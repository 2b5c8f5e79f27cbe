/**
 * IPC of the desktop shell: one ipcMain.handle per operation the desktop offers, each running the
 * operation table's handler through runOperation. Only the desktop-only operations (dialogs, local
 * paths) are implemented here. Requests are only accepted from our own page.
 */
import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { ApiError } from '../shared/contract/api-error';
import { IPC_PROGRESS_CHANNEL, importOptionsOf, ipcChannel, operationsOf } from '../shared/contract/api';
import { importPaths, projectInfo, runOperation, sharedHandlers, type FaceOperation, type HandlerTable, type OperationContext, type OperationOffload, type SharedOperation } from '../shared/backend/handlers';
import { JobRegistry } from '../shared/backend/jobs';
import type { IpcProgressMessage, IpcReply } from '../shared/contract/ipc-envelope';
import type { Project } from '../shared/backend/project';
import { ValidationError } from '../shared/contract/validator';
import type { DesktopProject } from './desktop-project';
import { DisposableStore, toDisposable, type Disposable } from '../core/common/disposable';

const DB_FILTERS = [{ name: 'natlens project', extensions: ['db', 'sqlite', 'natlens'] }];

export interface IpcContext {
  desktop: DesktopProject;
  /** Where heavy operations run; absent: on the main process. */
  pool?: OperationOffload;
  /** True for a frame URL of our own renderer. */
  isOwnPage(url: string): boolean;
}

interface DesktopContext extends OperationContext {
  readonly desktop: DesktopProject;
  /** The window that asked: dialogs open over it. */
  readonly win: BrowserWindow | undefined;
}

function requireProject(ctx: DesktopContext): Project {
  if (ctx.project === null) throw new ApiError('rejected', 'no project is open: use Open project or New project first');
  return ctx.project;
}

const desktopHandlers: HandlerTable<FaceOperation<'desktop'>, DesktopContext> = {
  async openProject(ctx) {
    const options = { title: 'Open natlens project', properties: ['openFile' as const], filters: DB_FILTERS };
    const chosen = ctx.win === undefined ? await dialog.showOpenDialog(options) : await dialog.showOpenDialog(ctx.win, options);
    const file = chosen.filePaths[0];
    if (chosen.canceled || file === undefined) return null;
    return projectInfo(ctx.desktop.switchTo(file, false), 'desktop');
  },
  async createProject(ctx) {
    const options = { title: 'New natlens project', defaultPath: 'natlens.db', filters: DB_FILTERS };
    const chosen = ctx.win === undefined ? await dialog.showSaveDialog(options) : await dialog.showSaveDialog(ctx.win, options);
    if (chosen.canceled || chosen.filePath === undefined || chosen.filePath === '') return null;
    return projectInfo(ctx.desktop.switchTo(chosen.filePath, true), 'desktop');
  },
  async chooseAndImport(ctx, request) {
    const project = requireProject(ctx);
    const options = { title: 'Import captures', properties: ['openFile' as const, 'multiSelections' as const] };
    const chosen = ctx.win === undefined ? await dialog.showOpenDialog(options) : await dialog.showOpenDialog(ctx.win, options);
    if (chosen.canceled || chosen.filePaths.length === 0) return null;
    return importPaths(project, chosen.filePaths, importOptionsOf(request), ctx.progress, undefined, ctx.signal);
  },
  importPaths: (ctx, request) =>
    importPaths(requireProject(ctx), request.paths, importOptionsOf(request), ctx.progress, undefined, ctx.signal),
};

const handlers: HandlerTable<SharedOperation | FaceOperation<'desktop'>, DesktopContext> = { ...sharedHandlers, ...desktopHandlers };

function replyError(err: unknown): IpcReply<never> {
  if (err instanceof ApiError) return { ok: false, error: err.toJSON() };
  if (err instanceof ValidationError) return { ok: false, error: { code: 'invalid-request', message: err.message } };
  return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } };
}

function progressTo(event: IpcMainInvokeEvent, job: string | null): OperationContext['progress'] {
  return (progress) => {
    if (job !== null && !event.sender.isDestroyed()) event.sender.send(IPC_PROGRESS_CHANNEL, { job, progress } satisfies IpcProgressMessage);
  };
}

export function registerIpcOperations(ctx: IpcContext): Disposable {
  const disposables = new DisposableStore();
  const jobs = disposables.add(new JobRegistry());
  const names = operationsOf('desktop');
  for (const name of names) {
    ipcMain.handle(ipcChannel(name), async (event, raw: unknown): Promise<IpcReply<unknown>> => {
      try {
        const url = event.senderFrame?.url ?? '';
        if (!ctx.isOwnPage(url)) throw new ApiError('forbidden', `IPC from ${url || 'an unknown frame'} refused`);
        const contextFor = (job: string | null, signal: AbortSignal): DesktopContext => ({
          project: ctx.desktop.project, shell: 'desktop', jobs, progress: progressTo(event, job), signal,
          desktop: ctx.desktop, win: BrowserWindow.fromWebContents(event.sender) ?? undefined,
        });
        return { ok: true, value: await runOperation(handlers, name, raw, jobs, contextFor, { offload: ctx.pool ?? null }) };
      } catch (err) {
        return replyError(err);
      }
    });
    disposables.add(toDisposable(() => ipcMain.removeHandler(ipcChannel(name))));
  }
  return disposables;
}
