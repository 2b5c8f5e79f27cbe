/**
 * natlens serve runs its server on a worker thread and keeps the main thread for signals: a request that
 * computes synchronously (stitching, a report) holds its own thread only, so SIGTERM/SIGINT are answered at
 * any time. Stopping asks the server to close its connections and its database; a server too busy to say it
 * heard within STOP_ACK_MS is terminated (V8 stops its JavaScript where it is; SQLite's journal undoes any
 * write it had begun, and the database connections close as the thread ends).
 */
import { Worker } from 'node:worker_threads';

export interface ServeJob {
  dbPath: string;
  port: number;
}

export type ServerThreadMessage =
  | { kind: 'listening'; url: string }
  | { kind: 'failed'; message: string }
  | { kind: 'stopping' }
  | { kind: 'stopped' };

export type ServerStop = 'closed' | 'cut-off';

export interface ServerThread {
  url: string;
  /** Closes the server; 'cut-off' when it was busy and had to be terminated. */
  stop(): Promise<ServerStop>;
}

/** An idle thread answers within milliseconds; a busy one not before its request is done. */
const STOP_ACK_MS = 250;
/** After saying it heard, the server has this long to close its connections and database. */
const STOP_CLOSE_MS = 10_000;

export function startServerThread(script: string, job: ServeJob): Promise<ServerThread> {
  const worker = new Worker(script, { workerData: { natlensServe: job } });
  let onMessage: (m: ServerThreadMessage) => void = () => undefined;
  worker.on('message', (m: ServerThreadMessage) => onMessage(m));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  const stop = async (): Promise<ServerStop> => {
    let heard = false;
    const stopped = new Promise<void>((resolve) => {
      onMessage = (m) => {
        if (m.kind === 'stopping') heard = true;
        if (m.kind === 'stopped') resolve();
      };
    });
    worker.postMessage({ kind: 'stop' });
    const outcome = await Promise.race([stopped.then(() => 'closed' as const), exited.then(() => 'closed' as const), delay(STOP_ACK_MS).then(() => 'waited' as const)]);
    if (outcome === 'closed') return finish('closed');
    if (heard) {
      const closed = await Promise.race([stopped.then(() => true), exited.then(() => true), delay(STOP_CLOSE_MS).then(() => false)]);
      if (closed) return finish('closed');
    }
    await worker.terminate();
    return 'cut-off';
  };
  const finish = async (how: ServerStop): Promise<ServerStop> => {
    await worker.terminate();
    return how;
  };

  return new Promise((resolve, reject) => {
    onMessage = (m) => {
      if (m.kind === 'listening') resolve({ url: m.url, stop });
      else if (m.kind === 'failed') reject(new Error(m.message));
    };
    worker.once('error', reject);
    void exited.then(() => reject(new Error('the server thread stopped before it listened')));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
