/**
 * Runs readDumpFile in a worker thread, so that parsing a large dump and writing its rows overlap on two
 * cores, while the import itself stays synchronous and in one transaction: the writing thread blocks on
 * the worker's messages (Atomics.wait + receiveMessageOnPort) instead of returning to the event loop.
 * Each entry point names the folder its bundle runs from (useDumpReaderWorker); where none did (tests on the
 * TypeScript sources), or for a small file, readDumpFile runs on the calling thread: same rows, same result.
 */
import fs from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { RulesetTape } from '../model/ruleset-tape';
import { readDumpFile, type DumpFileRead } from './dump-file-read';
import { dumpReaderScript } from './dump-reader-location';
import { isPacketCapture } from '../capture/pcap/read-packet-capture';

export type DumpMessage =
  | { kind: 'tape'; tape: RulesetTape }
  | { kind: 'bytes'; bytesRead: number }
  | { kind: 'done'; result: DumpFileRead };

export interface DumpWorkerData {
  /** The worker bundle, loaded by BOOTSTRAP. */
  script: string;
  /** Takes one DumpJob, then carries the reader's messages. */
  port: MessagePort;
  /** Int32 slots, see DUMP_SIGNAL. */
  signal: Int32Array;
}

export interface DumpJob {
  readPath: string;
  shownAs: string;
}

export const DUMP_SIGNAL = { posted: 0, taken: 1, exited: 2 } as const;

/**
 * Marks the worker's end in `signal` before loading the bundle, so that a worker that dies for any reason,
 * even loading, is seen by a writing thread that blocks and so never sees the Worker's events.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
process.on('exit', () => {
  Atomics.store(workerData.signal, ${DUMP_SIGNAL.exited}, 1);
  Atomics.notify(workerData.signal, ${DUMP_SIGNAL.posted});
});
require(workerData.script);
`;

/** Tapes the worker may post before the writer has taken them: bounds the memory between the threads. */
export const TAPES_AHEAD = 8;
/**
 * The reader thread's young generation (V8's default is ~48 MB): what it allocates for a rule is garbage once
 * the rule is on a tape, and small semi-spaces keep its many scavenges in cache. ~3% faster on a 170k-rule
 * dump (four sets of ten paired runs; 8 MB did as well), and ~20 MB less memory.
 */
const READER_YOUNG_MB = 12;
/** Below this a thread costs more to start than it saves. */
const WORKER_MIN_BYTES = 2 * 1024 * 1024;

/** A reader thread started, waiting for its job. */
interface ReaderThread {
  script: string;
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
}

/** One thread started ahead of the read (prewarmDumpReader), so its start-up overlaps the importer's. */
let warm: ReaderThread | null = null;

export { useDumpReaderWorker } from './dump-reader-location';

/**
 * Starts a reader thread before it is needed when a path to import is a file large enough to be read by one:
 * the thread loads while the importer opens the project and looks at the files. Unused, it does not keep the
 * process alive. True when a thread is waiting.
 */
export function prewarmDumpReader(paths: readonly string[]): boolean {
  const workerScript = dumpReaderScript();
  if (workerScript === null) return false;
  if (warm !== null) return true;
  const large = paths.some((p) => {
    try {
      const st = fs.statSync(p);
      return st.isFile() && st.size >= WORKER_MIN_BYTES && !startsAsPacketCapture(p);
    } catch {
      return false;
    }
  });
  if (large) warm = startThread(workerScript);
  return warm !== null;
}

/** A pcap is read on the importing thread: a reader thread started for one would be start-up spent for nothing. */
function startsAsPacketCapture(file: string): boolean {
  const head = new Uint8Array(4);
  const fd = fs.openSync(file, 'r');
  try {
    return fs.readSync(fd, head, 0, 4, 0) === 4 && isPacketCapture(head);
  } finally {
    fs.closeSync(fd);
  }
}

function startThread(script: string): ReaderThread {
  const signal = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  const { port1, port2 } = new MessageChannel();
  const data: DumpWorkerData = { script, signal, port: port2 };
  const worker = new Worker(BOOTSTRAP, {
    eval: true, workerData: data, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: READER_YOUNG_MB },
  });
  // Its failures are read from `signal` (the answer is then `not-plain` and the file is read as text).
  worker.on('error', () => undefined);
  worker.unref();
  return { script, worker, port: port1, signal };
}

export function readDumpFileThreaded(
  readPath: string,
  shownAs: string,
  size: number,
  onTape: (tape: RulesetTape) => void,
  onBytes?: (bytesRead: number) => void,
  script: string | null = dumpReaderScript(),
): DumpFileRead {
  if (script === null || size < WORKER_MIN_BYTES) return readDumpFile(readPath, shownAs, onTape, onBytes);
  let thread: ReaderThread;
  if (warm !== null && warm.script === script) {
    thread = warm;
    warm = null;
  } else {
    thread = startThread(script);
  }
  const { worker, port: port1, signal } = thread;
  port1.postMessage({ readPath, shownAs } satisfies DumpJob);
  try {
    for (;;) {
      const posted = Atomics.load(signal, DUMP_SIGNAL.posted);
      // Read before the port: a worker that had exited by then had posted all it ever will.
      const exited = Atomics.load(signal, DUMP_SIGNAL.exited) === 1;
      const received = receiveMessageOnPort(port1);
      if (received === undefined) {
        if (exited) return { kind: 'not-plain', reason: `the thread reading ${shownAs} stopped before it finished` };
        Atomics.wait(signal, DUMP_SIGNAL.posted, posted, 1000);
        continue;
      }
      const message = received.message as DumpMessage;
      switch (message.kind) {
        case 'tape':
          onTape(message.tape);
          Atomics.add(signal, DUMP_SIGNAL.taken, 1);
          Atomics.notify(signal, DUMP_SIGNAL.taken);
          break;
        case 'bytes':
          Atomics.add(signal, DUMP_SIGNAL.taken, 1);
          onBytes?.(message.bytesRead);
          break;
        case 'done':
          return message.result;
        default:
          throw new Error(`unexpected message from the dump reader: ${JSON.stringify(message satisfies never)}`);
      }
    }
  } finally {
    port1.close();
    void worker.terminate();
  }
}
