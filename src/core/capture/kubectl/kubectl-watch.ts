/**
 * `kubectl get -w`: after the listing, kubectl prints an object again each time it changes (get.go `watch`: one
 * PrintObj and tab-writer flush per event, the header once), so one output holds several rows per object, later
 * rows aligned on their own. The output is read as the last state of each object; the earlier rows are counted in
 * one note at the first repeat. With `--output-watch-events` an EVENT column opens each row, and an object whose
 * last event is DELETED no longer exists when the watch ends.
 */
import type { CaptureNote, EndpointsRecord, PodRecord, ServiceRecord } from '../../records/records';

export type WatchedRecord =
  | { kind: 'service'; record: ServiceRecord }
  | { kind: 'endpoints'; record: EndpointsRecord }
  | { kind: 'pod'; record: PodRecord };

/** kubectl's watch.EventType, as the EVENT column prints it. */
export type WatchEvent = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

const EVENTS: ReadonlySet<string> = new Set<WatchEvent>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

export function isWatchEvent(text: string): text is WatchEvent {
  return EVENTS.has(text);
}

/** The terminal's echo of the Ctrl-C that ends a watch: not output of kubectl. */
export function isInterruptEcho(text: string): boolean {
  return text.trim() === '^C';
}

export class LastStates {
  private readonly byObject = new Map<string, { row: WatchedRecord; deleted: boolean }>();
  private repeats = 0;
  private firstRepeat: number | null = null;
  private deletions = 0;
  private firstDeletion: number | null = null;

  /** A row read at `line`; `event`: its EVENT cell, when the output has one. */
  add(row: WatchedRecord, line: number, event: WatchEvent | null = null): void {
    const key = `${row.kind}\u0000${row.record.namespace}\u0000${row.record.name}`;
    const earlier = this.byObject.get(key);
    if (earlier !== undefined) {
      this.repeats++;
      this.firstRepeat ??= line;
    }
    const deleted = event === 'DELETED';
    if (deleted) {
      this.deletions++;
      this.firstDeletion ??= line;
    }
    // A Map keeps a key where it was first set: objects stay in the order they were first listed.
    this.byObject.set(key, { row, deleted });
  }

  records(): { services: ServiceRecord[]; endpoints: EndpointsRecord[]; pods: PodRecord[] } {
    const services: ServiceRecord[] = [];
    const endpoints: EndpointsRecord[] = [];
    const pods: PodRecord[] = [];
    for (const { row, deleted } of this.byObject.values()) {
      if (deleted) continue;
      switch (row.kind) {
        case 'service': services.push(row.record); break;
        case 'endpoints': endpoints.push(row.record); break;
        case 'pod': pods.push(row.record); break;
        default: { const unreachable: never = row; return unreachable; }
      }
    }
    return { services, endpoints, pods };
  }

  notes(): CaptureNote[] {
    const out: CaptureNote[] = [];
    if (this.firstRepeat !== null) {
      const rows = this.repeats === 1 ? '1 row repeats an object' : `${this.repeats} rows repeat objects`;
      out.push({
        line: this.firstRepeat,
        message: `${rows} listed above (a watch, \`kubectl get -w\`, prints an object each time it changes), the first here: each object is read from its last row, the earlier ones are not stored`,
      });
    }
    if (this.firstDeletion !== null) {
      const events = this.deletions === 1 ? '1 DELETED event' : `${this.deletions} DELETED events`;
      out.push({ line: this.firstDeletion, message: `${events}, the first here: an object deleted last during the watch is not stored` });
    }
    return out;
  }
}
