/**
 * Runs readDumpFile in a worker thread, so that parsing a large dump and writing its rows overlap on two
 * cores, while the import itself stays synchronous and in one transaction: the writing thread blocks on
 * the worker's messages (Atomics.wait + receiveMessageOnPort) instead of returning to the event loop.
 * Each entry point names the folder its bundle runs from (useDumpReaderWorker); where none did (tests on the
 * TypeScript sources), or for a small file, readDumpFile runs on the calling thread: same rows, same result.
 */
import fs from 'node:fs';
import { receiveMessageOnPort } from 'node:worker_threads';
import type { RulesetTape } from '../model/ruleset-tape';
import { readDumpFile, type DumpFileRead } from './dump-file-read';
import { dumpReaderScript } from './dump-reader-location';
import { isPacketCapture } from '../capture/pcap/read-packet-capture';
import { DUMP_SIGNAL, postDumpJob, startReaderThread, WORKER_MIN_BYTES, type DumpReaderHandoff, type ReaderThread } from './dump-reader-start';

export { DUMP_SIGNAL, type DumpJob, type DumpWorkerData } from './dump-reader-start';

export type DumpMessage =
  | { kind: 'tape'; tape: RulesetTape }
  | { kind: 'bytes'; bytesRead: number }
  | { kind: 'done'; result: DumpFileRead };

/** Tapes the worker may post before the writer has taken them: bounds the memory between the threads. */
export const TAPES_AHEAD = 8;

/** One thread started ahead of the read (prewarmDumpReader, adoptDumpReader), so its start-up overlaps the importer's. */
let warm: ReaderThread | null = null;

export { useDumpReaderWorker } from './dump-reader-location';

/**
 * Takes a reader thread another thread started (startDumpReaderEarly), maybe already reading a file: the next read
 * of that file, or of any file when it was given none, uses it. An unused one ends with this thread.
 */
export function adoptDumpReader(handoff: DumpReaderHandoff): void {
  if (warm !== null) return;
  warm = { ...handoff, worker: null };
}

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
  if (large) warm = startReaderThread(workerScript);
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

/** The warm thread when it is reading this file or has no job yet; a thread reading another file is ended. */
function takeWarm(script: string, readPath: string, shownAs: string): ReaderThread | null {
  const thread = warm;
  if (thread === null) return null;
  warm = null;
  const { job } = thread;
  if (thread.script === script && (job === null || (job.readPath === readPath && job.shownAs === shownAs))) return thread;
  endThread(thread);
  return null;
}

/** A read as it crossed threads, with the Buffers a read on this thread has: a Buffer arrives as a plain Uint8Array. */
function asRead(result: DumpFileRead): DumpFileRead {
  if (result.kind !== 'dump' || result.serviceBlock === null) return result;
  const { serviceTape, endpointTape } = result.serviceBlock;
  return { ...result, serviceBlock: { ...result.serviceBlock, serviceTape: asBuffer(serviceTape), endpointTape: asBuffer(endpointTape) } };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function endThread(thread: ReaderThread): void {
  thread.port.close();
  void thread.worker?.terminate();
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
  const thread = takeWarm(script, readPath, shownAs) ?? startReaderThread(script);
  if (thread.job === null) postDumpJob(thread, { readPath, shownAs });
  const { port: port1, signal } = thread;
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
          return asRead(message.result);
        default:
          throw new Error(`unexpected message from the dump reader: ${JSON.stringify(message satisfies never)}`);
      }
    }
  } finally {
    endThread(thread);
  }
}
