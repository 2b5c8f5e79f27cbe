import type { CaptureRow } from '../../shared/contract/api';
import { formatTakenAt } from '../view-model/node-list';

export function CapturesTable({ captures }: { captures: readonly CaptureRow[] }) {
  if (captures.length === 0) return <p className="empty">No captures imported yet.</p>;
  return (
    <table className="grid captures" data-testid="captures-table">
      <thead>
        <tr>
          <th>Node</th>
          <th>Kind</th>
          <th>Source</th>
          <th>Taken at</th>
        </tr>
      </thead>
      <tbody>
        {captures.map((c) => (
          <tr key={String(c.id)}>
            <td>{c.node}</td>
            <td>
              <span className="kind">{c.kind}</span>
            </td>
            <td className="mono">{c.source}</td>
            <td className="mono">{formatTakenAt(c.takenAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
