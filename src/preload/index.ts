/**
 * The sandboxed preload: exposes window.natlens, the operation table's calls over IPC and nothing else.
 * It is the only place that turns a dropped/picked File into a path (webUtils.getPathForFile), so
 * the page never names a path to main. Bundled into one CommonJS file (sandboxed preloads cannot
 * load modules other than electron's).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { IPC_PROGRESS_CHANNEL, IPC_SHELL_EVENT_CHANNEL, ipcChannel, type Api, type ProgressListener, type ShellEvent } from '../shared/contract/api';
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

const api: Api = {
  shell: 'desktop',
  ...operationCalls(transport),
  importFiles(files, options, onProgress, signal) {
    const paths = files.map((file) => webUtils.getPathForFile(file));
    const unnamed = files.filter((_, i) => paths[i] === '');
    if (unnamed.length > 0) {
      return Promise.reject(new ApiError('invalid-request', `not a file on disk: ${unnamed.map((f) => f.name).join(', ')}`));
    }
    return runJob(transport, 'importPaths', { ...options, paths }, onProgress, signal);
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
