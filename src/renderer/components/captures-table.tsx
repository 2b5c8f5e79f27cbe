import type { Api, CaptureRow } from '../../shared/contract/api';
import type { NodeJson } from '../../shared/contract/contract-json';
import { interfaceChoices } from '../view-model/capture-interface';
import { formatTakenAt } from '../view-model/node-list';
import { CaptureInterfaceControl } from './capture-interface-control';

export function CapturesTable({ captures, nodes, api, onChanged }: { captures: readonly CaptureRow[]; nodes: readonly NodeJson[]; api: Api; onChanged: () => void }) {
  if (captures.length === 0) return <p className="empty">No captures imported yet.</p>;
  return (
    <table className="grid captures" data-testid="captures-table">
      <thead>
        <tr>
          <th>Node</th>
          <th>Kind</th>
          <th>Source</th>
          <th>Taken at</th>
          <th>Interface</th>
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
            <td>{c.interface !== undefined && <CaptureInterfaceControl api={api} capture={{ ...c, interface: c.interface }} choices={interfaceChoices(c, nodes)} onChanged={onChanged} />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
