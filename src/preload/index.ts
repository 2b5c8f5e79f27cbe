/**
 * The sandboxed preload: exposes window.natlens, one function per Api operation and nothing else.
 * It is the only place that turns a dropped/picked File into a path (webUtils.getPathForFile), so
 * the page never names a path to main. Bundled into one CommonJS file (sandboxed preloads cannot
 * load modules other than electron's).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import {
  IPC_PROGRESS_CHANNEL, IPC_SHELL_EVENT_CHANNEL, ipcChannel,
  type Api, type OperationName, type ProgressListener, type RequestOf, type ResponseOf, type ShellEvent,
} from '../shared/contract/api';
import { ApiError, apiErrorFromJson } from '../shared/contract/api-error';
import type { IpcProgressMessage, IpcReply } from '../shared/contract/ipc-envelope';

async function invoke<N extends OperationName>(name: N, request: RequestOf<N>): Promise<ResponseOf<N>> {
  const reply = (await ipcRenderer.invoke(ipcChannel(name), request)) as IpcReply<ResponseOf<N>>;
  if (reply.ok) return reply.value;
  throw apiErrorFromJson(reply.error, `${name} failed`);
}

const progressListeners = new Map<string, ProgressListener>();
let jobCounter = 0;

ipcRenderer.on(IPC_PROGRESS_CHANNEL, (_event: IpcRendererEvent, message: IpcProgressMessage) => {
  progressListeners.get(message.job)?.(message.progress);
});

/** Runs a job-tagged operation, routing its progress events to `onProgress` until it settles. */
async function withJob<T>(onProgress: ProgressListener | undefined, run: (job: string) => Promise<T>): Promise<T> {
  const job = `job-${++jobCounter}`;
  if (onProgress !== undefined) progressListeners.set(job, onProgress);
  try {
    return await run(job);
  } finally {
    progressListeners.delete(job);
  }
}

const api: Api = {
  shell: 'desktop',
  getProjectInfo: (request) => invoke('getProjectInfo', request),
  listNodes: (request) => invoke('listNodes', request),
  listCaptures: (request) => invoke('listCaptures', request),
  topology: (request) => invoke('topology', request),
  topologySummary: (request) => invoke('topologySummary', request),
  topologyNodes: (request) => invoke('topologyNodes', request),
  trace: (request) => invoke('trace', request),
  listFlows: (request) => invoke('listFlows', request),
  flowDetail: (request) => invoke('flowDetail', request),
  rulesetTimeline: (request) => invoke('rulesetTimeline', request),
  report: (request) => invoke('report', request),
  findings: (request) => invoke('findings', request),
  flowDivergence: (request) => invoke('flowDivergence', request),
  setCaptureInterface: (request) => invoke('setCaptureInterface', request),
  openProject: (request) => invoke('openProject', request),
  createProject: (request) => invoke('createProject', request),
  chooseAndImport: (request, onProgress) => withJob(onProgress, (job) => invoke('chooseAndImport', { ...request, job })),
  importFiles(files, options, onProgress) {
    const paths = files.map((file) => webUtils.getPathForFile(file));
    const unnamed = files.filter((_, i) => paths[i] === '');
    if (unnamed.length > 0) {
      return Promise.reject(new ApiError('invalid-request', `not a file on disk: ${unnamed.map((f) => f.name).join(', ')}`));
    }
    return withJob(onProgress, (job) => invoke('importPaths', { ...options, paths, job }));
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
