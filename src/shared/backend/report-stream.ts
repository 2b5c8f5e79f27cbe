/**
 * A report streamed to whoever downloads it (natlens serve's `GET /api/report`): the renderers write a block at a
 * time into a ChunkingSink, whose chunks a pool worker posts to the server thread as they are made. The worker's
 * render is synchronous, so backpressure is a byte window shared between the two threads: the worker counts
 * what it posted, the server subtracts what the response has handed to the socket, and the worker waits
 * (Atomics.wait) while more than the window is in flight. A client that stops reading stops the render; one
 * that goes away terminates the worker (operation-pool.ts). Node-only.
 */
import { ChunkingSink } from '../../core/report/report-sink';
import type { ReportHeadJson } from '../contract/report-file-json';
import type { ProjectInfo, RequestOf } from '../contract/api';
import { ApiError } from '../contract/api-error';
import type { Project } from './project';

/** Bytes gathered before a chunk is posted: big enough that messages are few, small enough to keep memory flat. */
export const REPORT_CHUNK = 64 * 1024;
/** Bytes posted but not yet handed to the socket, at most (one chunk more may be under way). */
export const REPORT_WINDOW = 1024 * 1024;

/** Where a streamed report goes: its head (before the first byte), then its bytes in order. */
export interface ReportStreamTarget {
  head(head: ReportHeadJson): void;
  /** `written` is called once the bytes are on their way (the socket took them): the window opens by that much. */
  chunk(bytes: Uint8Array, written: () => void): void;
}

/** Streams reports on a worker (OperationPool). */
export interface ReportStreamer {
  streamReport(project: Project, shell: ProjectInfo['shell'], request: RequestOf<'report'>, target: ReportStreamTarget, signal: AbortSignal): Promise<ReportHeadJson>;
}

/** The worker's side of the byte window over a SharedArrayBuffer of one Int32. */
export class ByteWindow {
  private readonly inFlight: Int32Array;

  constructor(
    shared: SharedArrayBuffer,
    private readonly limit: number = REPORT_WINDOW,
  ) {
    this.inFlight = new Int32Array(shared);
  }

  static shared(): SharedArrayBuffer {
    return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  }

  /** Blocks this thread while the window is full; then counts `bytes` in. A chunk larger than the window goes alone. */
  reserve(bytes: number): void {
    for (;;) {
      const now = Atomics.load(this.inFlight, 0);
      if (now === 0 || now + bytes <= this.limit) break;
      // Woken by release(); the timeout only bounds a wait whose wake-up raced with this load.
      Atomics.wait(this.inFlight, 0, now, 250);
    }
    Atomics.add(this.inFlight, 0, bytes);
  }

  /** The other thread's side: `bytes` left the window. */
  static release(shared: SharedArrayBuffer, bytes: number): void {
    const inFlight = new Int32Array(shared);
    Atomics.sub(inFlight, 0, bytes);
    Atomics.notify(inFlight, 0);
  }
}

/**
 * Renders the project's report into chunks: `head` once it is built, then `post` for each chunk in order (the last
 * one too). Throws `rejected` before the first import.
 */
export function renderReportChunks(project: Project, request: RequestOf<'report'>, head: (head: ReportHeadJson) => void, post: (bytes: Uint8Array) => void): ReportHeadJson {
  let sink: ChunkingSink | null = null;
  const made = project.read(
    (store) =>
      store.streamReport(request.format, request.traces ?? [], (h) => {
        head(h);
        sink = new ChunkingSink(REPORT_CHUNK, post);
        return sink;
      }),
    null,
  );
  if (made === null) throw new ApiError('rejected', 'nothing is imported yet: import captures first');
  (sink as ChunkingSink | null)?.flush();
  return made;
}

/**
 * The report streamed on the calling thread (a face without a pool): the same bytes, but the render does not wait
 * for the client, so the response may buffer what the client has not read yet.
 */
export function streamReportHere(project: Project, request: RequestOf<'report'>, target: ReportStreamTarget): ReportHeadJson {
  return renderReportChunks(project, request, (h) => target.head(h), (bytes) => target.chunk(bytes, () => undefined));
}
