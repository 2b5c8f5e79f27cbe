/** A flow's packets, every sighting on every capture point, paged from the server as the list scrolls. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Api } from '../../shared/contract/api';
import type { FlowDetailJson } from '../../shared/contract/flow-json';
import { appendPacketPage, firstPacketPage, packetRow, type PacketPages, type PacketRow } from '../view-model/packet-list';
import { VirtualGrid, type CopyAction, type GridColumn } from './virtual-grid';

const PAGE = 500;

const COLUMNS: ReadonlyArray<GridColumn<PacketRow>> = [
  { id: 'n', label: '#', width: '4em', className: 'muted num', cell: (p) => p.number },
  { id: 'at', label: 'Time', width: '9.5em', className: 'mono', cell: (p) => <span title={p.atFull}>{p.at}</span> },
  {
    id: 'where', label: 'Node · interface', width: 'minmax(9em, 1.2fr)',
    cell: (p) => (p.tunnel === '' ? p.where : <>{p.where} <span className="muted" title={p.tunnelFull}>in {p.tunnel}</span></>),
  },
  { id: 'dir', label: 'Dir', width: '3em', cell: (p) => p.direction },
  { id: 'tuple', label: 'Tuple as captured', width: 'minmax(17em, 2fr)', className: 'mono', cell: (p) => p.tuple },
  { id: 'flags', label: 'Flags', width: '4.5em', className: 'mono', cell: (p) => p.flags },
  { id: 'len', label: 'Length', width: '5em', className: 'num', cell: (p) => p.length },
  { id: 'stage', label: 'Stage', width: 'minmax(8em, 1fr)', cell: (p) => p.stage },
  { id: 'source', label: 'Source', width: 'minmax(10em, 1.2fr)', className: 'mono', cell: (p) => <span title={p.source}>{p.source}</span> },
];

const COPY: ReadonlyArray<CopyAction<PacketRow>> = [
  { label: 'Tuple', text: (p) => p.tuple },
  { label: 'Source', text: (p) => p.source },
  { label: 'Row', text: (p) => [p.number, p.atFull, p.where, p.tunnelFull, p.direction, p.tuple, p.flags, p.length, p.stage, p.source].join('\t') },
];

export function PacketList({ api, detail }: { api: Api; detail: FlowDetailJson }) {
  const [pages, setPages] = useState<PacketPages>(() => firstPacketPage(detail));
  const loading = useRef(false);
  useEffect(() => setPages(firstPacketPage(detail)), [detail]);
  const onNearEnd = useCallback(() => {
    if (loading.current || pages.packets.length >= pages.total) return;
    loading.current = true;
    const offset = pages.packets.length;
    api.flowDetail({ id: detail.id, offset, limit: PAGE }).then(
      (next) => {
        loading.current = false;
        setPages((p) => appendPacketPage(p, offset, next));
      },
      () => {
        // The list stays as loaded; the next scroll asks again.
        loading.current = false;
      },
    );
  }, [api, detail.id, pages]);
  const rows = useMemo(() => pages.packets.map(packetRow), [pages]);
  if (pages.total === 0) return null;
  return (
    <>
      <h3>
        Packets <span className="muted">({pages.total.toLocaleString('en-US')} sightings)</span>
      </h3>
      <VirtualGrid
        label={`Packets of flow ${detail.id}`}
        testId="flow-packets"
        rowTestId="packet-row"
        className="packet-list"
        rows={rows}
        rowKey={(p) => p.key}
        columns={COLUMNS}
        rowHeight={28}
        totalRows={pages.total}
        onNearEnd={onNearEnd}
        copy={COPY}
      />
    </>
  );
}
