/** The jobs a face is running (imports), by the id the client gave them, so `cancelJob` can reach them. */
import type { Disposable } from '../../core/common/disposable';

export interface RunningJob {
  readonly signal: AbortSignal;
  /** Forgets the job; call when it settles. */
  finish(): void;
}

export class JobRegistry implements Disposable {
  private readonly running = new Map<string, AbortController>();

  /** Starts a job; one without an id (an old client) runs but cannot be cancelled by name. */
  start(job: string | null): RunningJob {
    const controller = new AbortController();
    if (job !== null) {
      // Two jobs under one id would make `cancelJob` ambiguous: the newer one is refused.
      if (this.running.has(job)) throw new Error(`a job named ${job} is already running`);
      this.running.set(job, controller);
    }
    return {
      signal: controller.signal,
      finish: () => {
        if (job !== null && this.running.get(job) === controller) this.running.delete(job);
      },
    };
  }

  /** False when no job of that id runs (it ended, or never started here). */
  cancel(job: string): boolean {
    const controller = this.running.get(job);
    if (controller === undefined) return false;
    controller.abort();
    return true;
  }

  /** Cancels every job still running (the face is closing). */
  dispose(): void {
    for (const controller of this.running.values()) controller.abort();
    this.running.clear();
  }
}
