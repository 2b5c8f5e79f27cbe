/** The kernel's own trace lines of a flow's packets (kind kernel-trace observations), hook by hook. */
import { useMemo } from 'react';
import type { FlowDetailJson } from '../../shared/contract/flow-json';
import { kernelTraceRows } from '../view-model/kernel-trace-rows';

export function KernelTraceTable({ detail }: { detail: FlowDetailJson }) {
  const rows = useMemo(() => kernelTraceRows(detail), [detail]);
  if (rows.length === 0) return null;
  return (
    <>
      <h3>Kernel trace</h3>
      <table className="grid kernel-trace" data-testid="flow-kernel-trace">
        <thead>
          <tr>
            <th>At</th>
            <th>Node · in → out</th>
            <th>Hook</th>
            <th>Verdict</th>
            <th>Packet there</th>
            <th>Stage</th>
            <th>Mark</th>
            <th>Line</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <td className="mono muted">{r.at}</td>
              <td className="node">{r.where}</td>
              <td className="mono">
                {r.hook}
                {r.rule !== '' && (
                  <code className="rule" title={r.ruleNote === '' ? 'as the trace printed it' : r.ruleNote}>
                    {r.rule}
                  </code>
                )}
              </td>
              <td className="mono">{r.verdict}</td>
              <td className="mono">{r.tuple}</td>
              <td>{r.stage}</td>
              <td className="mono">{r.mark}</td>
              <td className="mono muted">{r.source}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
