/**
 * Worker-thread entry (bundled as out/cli/dump-reader-worker.cjs and out/main/dump-reader-worker.js): waits
 * for its one job, reads that dump file with readDumpFile and posts its tapes to the thread that writes them,
 * at most a few ahead of it. See dump-reader-thread.ts.
 */
import { workerData } from 'node:worker_threads';
import { readDumpFile } from './dump-file-read';
import { DUMP_SIGNAL, TAPES_AHEAD, type DumpJob, type DumpMessage, type DumpWorkerData } from './dump-reader-thread';

const { port, signal } = workerData as DumpWorkerData;

function post(message: DumpMessage): void {
  port.postMessage(message);
  Atomics.add(signal, DUMP_SIGNAL.posted, 1);
  Atomics.notify(signal, DUMP_SIGNAL.posted);
}

function read({ readPath, shownAs }: DumpJob): void {
  const result = readDumpFile(
    readPath,
    shownAs,
    (tape) => {
      post({ kind: 'tape', tape });
      for (;;) {
        const taken = Atomics.load(signal, DUMP_SIGNAL.taken);
        if (Atomics.load(signal, DUMP_SIGNAL.posted) - taken <= TAPES_AHEAD) break;
        Atomics.wait(signal, DUMP_SIGNAL.taken, taken);
      }
    },
    (bytesRead) => post({ kind: 'bytes', bytesRead }),
  );
  post({ kind: 'done', result });
}

port.once('message', read);
