/**
 * The sandboxed preload: exposes window.natlens, the operation table's calls over IPC and nothing else.
 * It is the only place that turns a dropped/picked File into a path (webUtils.getPathForFile), so
 * the page never names a path to main. Bundled into one CommonJS file (sandboxed preloads cannot
 * load modules other than electron's).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { commonFolderName, fileOfItem, isFolderItem, IPC_PROGRESS_CHANNEL, IPC_SHELL_EVENT_CHANNEL, ipcChannel, type Api, type ImportItem, type ProgressListener, type ShellEvent } from '../shared/contract/api';
import { ApiError, apiErrorFromJson } from '../shared/contract/api-error';
import type { IpcProgressMessage, IpcReply } from '../shared/contract/ipc-envelope';
import { operationCalls, runJob, type OperationTransport } from '../shared/contract/operation-client';

const progressListeners = new Map<string, ProgressListener>();

ipcRenderer.on(IPC_PROGRESS_CHANNEL, (_event: IpcRendererEvent, message: IpcProgressMessage) => {
  progressListeners.get(message.job)?.(message.progress);
});

const transport: OperationTransport = {
  shell: 'desktop',
  async call(name, request) {
    const reply = (await ipcRenderer.invoke(ipcChannel(name), request)) as IpcReply<never>;
    if (reply.ok) return reply.value;
    throw apiErrorFromJson(reply.error, `${name} failed`);
  },
  async callJob(name, request, job, onProgress) {
    if (onProgress !== undefined) progressListeners.set(job, onProgress);
    try {
      return await transport.call(name, request);
    } finally {
      progressListeners.delete(job);
    }
  },
};

/** The path to import for an item: the file's, or for a file of a dropped folder the folder's (its path minus the part inside the folder). */
function droppedPath(item: ImportItem): string {
  const file = fileOfItem(item);
  const full = webUtils.getPathForFile(file);
  if (!isFolderItem(item) || full === '') return full;
  const inside = item.folderPath.split('/').slice(1).join('/');
  if (inside === '') return full;
  const normalised = full.replace(/\\/g, '/');
  return normalised.endsWith(`/${inside}`) ? full.slice(0, full.length - inside.length - 1) : full;
}

const api: Api = {
  shell: 'desktop',
  ...operationCalls(transport),
  importFiles(items, options, onProgress, signal) {
    const files = items.map(fileOfItem);
    const found = items.map((item) => droppedPath(item));
    const unnamed = files.filter((_, i) => found[i] === '');
    if (unnamed.length > 0) {
      return Promise.reject(new ApiError('invalid-request', `not a file on disk: ${unnamed.map((f) => f.name).join(', ')}`));
    }
    // A dropped folder's files are imported as the folder itself, so main walks it as `natlens import FOLDER` does.
    const paths = [...new Set(found)];
    return runJob(transport, 'importPaths', { ...options, paths }, onProgress, signal);
  },
  commonFolderOf(files) {
    const paths = files.map((file) => webUtils.getPathForFile(file));
    return paths.some((p) => p === '') ? null : commonFolderName(paths);
  },
  onShellEvent(listener) {
    const handler = (_event: IpcRendererEvent, message: ShellEvent): void => listener(message);
    ipcRenderer.on(IPC_SHELL_EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.off(IPC_SHELL_EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('natlens', api);
