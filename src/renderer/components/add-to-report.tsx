import { useState, useSyncExternalStore } from 'react';
import type { TraceRequestJson } from '../../shared/contract/trace-request';
import { reportTraces } from '../view-model/report-traces';

/** Puts the trace on the list the Reports tab sends with the report (replayed into its Traces section). */
export function AddToReport({ request }: { request: TraceRequestJson }) {
  useSyncExternalStore(reportTraces.subscribe, reportTraces.snapshot);
  const [full, setFull] = useState(false);
  const added = reportTraces.has(request);
  return (
    <button
      type="button"
      disabled={added}
      title={full ? 'The report holds as many traces as it can: remove one on the Reports tab first' : 'Replay this trace in the report’s Traces section'}
      onClick={() => setFull(reportTraces.add(request) === 'full')}
      data-testid="trace-add-to-report"
    >
      {added ? 'In the report' : full ? 'Report is full' : 'Add to report'}
    </button>
  );
}
