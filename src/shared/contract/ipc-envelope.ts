/**
 * What an IPC handler answers. Electron keeps only `message` of an error thrown across IPC, so
 * main answers every call with a value or an error code + message and the preload rethrows.
 */
import type { ApiErrorJson } from './api-error';
import type { ImportProgress } from './api';

export type IpcReply<T> = { ok: true; value: T } | { ok: false; error: ApiErrorJson };

/** A progress event for the job the preload tagged its request with. */
export interface IpcProgressMessage {
  job: string;
  progress: ImportProgress;
}
