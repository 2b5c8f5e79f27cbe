import { useEffect, useMemo, useState } from 'react';
import type { Api, CaptureRow } from '../../shared/contract/api';
import type { NodeJson } from '../../shared/contract/contract-json';
import { interfaceChoices } from '../view-model/capture-interface';
import { CaptureInterfaceControl } from './capture-interface-control';
import { formatTakenAt } from '../view-model/node-list';
import { counted, countedOf } from '../view-model/counted';
import { nextSort, quickFilter, sortRows, type SortState, type SortValue } from '../view-model/table-model';
import { QuickFilterBox } from './quick-filter-box';
import { VirtualGrid, type CopyAction, type GridColumn } from './virtual-grid';
import type { RunEdit } from './edit-bar';
import { CaptureEditControls } from './project-edit-controls';

const COLUMNS: ReadonlyArray<GridColumn<CaptureRow>> = [
  { id: 'node', label: 'Node', width: 'minmax(8em, 1fr)', sortable: true, cell: (c) => c.node },
  { id: 'kind', label: 'Kind', width: '10em', sortable: true, cell: (c) => <span className="kind">{c.kind}</span> },
  { id: 'label', label: 'Name', width: 'minmax(8em, 1fr)', sortable: true, cell: (c) => c.label ?? '' },
  // Cut short at its start: the file's name and line (`…/nodea/cbr0.tcpdump.txt:1`) tell captures apart, their folder rarely.
  {
    id: 'source', label: 'Source', width: 'minmax(16em, 3fr)', sortable: true, className: 'mono ellipsis-start',
    cell: (c) => (
      <span className="ellipsis-start-text" title={c.source}>
        {c.source}
      </span>
    ),
  },
  { id: 'takenAt', label: 'Taken at', width: '15em', sortable: true, className: 'mono', cell: (c) => formatTakenAt(c.takenAt) },
];

const COPY: ReadonlyArray<CopyAction<CaptureRow>> = [
  { label: 'Source', text: (c) => c.source },
  { label: 'Row', text: (c) => [c.node, c.kind, c.label ?? '-', c.source, c.takenAt ?? '-'].join('\t') },
];

function sortValue(c: CaptureRow, column: string): SortValue {
  switch (column) {
    case 'node':
      return c.node;
    case 'kind':
      return c.kind;
    case 'label':
      return c.label ?? null;
    case 'source':
      return c.source;
    case 'takenAt':
      return c.takenAt;
    default:
      return null;
  }
}

/** Every capture of the project; Enter or a click opens its node. */
export function CapturesTable({ captures, nodes, api, onChanged, filter, onFilter, onOpenNode, onEdit }: {
  captures: readonly CaptureRow[];
  nodes: readonly NodeJson[];
  api: Api;
  onChanged: () => void;
  filter: string;
  onFilter: (filter: string) => void;
  onOpenNode: (node: string) => void;
  /** Renames, moves and deletes captures (with Undo in the edit bar). */
  onEdit: RunEdit;
}) {
  const columns = useMemo<ReadonlyArray<GridColumn<CaptureRow>>>(
    () => [
      ...COLUMNS,
      {
        id: 'interface', label: 'Interface', width: 'minmax(18em, 2fr)', sortable: false,
        cell: (c) => c.interface !== undefined && <CaptureInterfaceControl api={api} capture={{ ...c, interface: c.interface }} choices={interfaceChoices(c, nodes)} onChanged={onChanged} />,
      },
      {
        id: 'edit', label: 'Change', width: '18em', sortable: false,
        cell: (c) => <CaptureEditControls api={api} capture={c} nodes={nodes.map((n) => n.name)} onEdit={onEdit} />,
      },
    ],
    [api, nodes, onChanged, onEdit],
  );
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  const [sort, setSort] = useState<SortState | null>(null);
  const rows = useMemo(
    () => sortRows(quickFilter(captures, draft, (c) => ({ addresses: [], ports: [], words: [c.node, c.kind, c.label ?? '', c.source, c.takenAt ?? ''] })), sort, sortValue),
    [captures, draft, sort],
  );
  if (captures.length === 0) return <p className="empty">No captures imported yet.</p>;
  return (
    <div className="list-tab">
      <div className="toolbar">
        <QuickFilterBox filter={filter} placeholder="node, kind, name or file" testId="captures-filter" onDraft={setDraft} onApply={onFilter} />
        <span className="summary" data-testid="captures-summary">
          {rows.length === captures.length ? counted(captures.length, 'capture') : countedOf(rows.length, captures.length, 'capture')}
        </span>
      </div>
      <VirtualGrid
        label="Captures"
        testId="captures-table"
        rowTestId="capture-row"
        rows={rows}
        rowKey={(c) => String(c.id)}
        columns={columns}
        rowHeight={30}
        sort={sort}
        onSort={(column) => setSort((s) => nextSort(s, column))}
        onOpen={(c) => onOpenNode(c.node)}
        copy={COPY}
      />
    </div>
  );
}
