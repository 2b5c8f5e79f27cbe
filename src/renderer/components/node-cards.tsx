import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Api } from '../../shared/contract/api';
import type { NodeJson } from '../../shared/contract/contract-json';
import { nodeCards, type NodeCard } from '../view-model/node-list';
import { counted, countedOf } from '../view-model/counted';
import { quickFilter, type FilterFields } from '../view-model/table-model';
import { QuickFilterBox } from './quick-filter-box';
import { formatRoute } from '../view-model/route';
import { rulesetCaptureCount } from '../view-model/ruleset-history';
import { RulesetHistoryPanel } from './ruleset-history-panel';
import type { RunEdit } from './edit-bar';
import { NodeEditControls } from './project-edit-controls';
import { RulesList } from './rules-list';
import { SplitPane } from './split-pane';
import { VirtualGrid, type CopyAction, type GridColumn } from './virtual-grid';
import { DEFAULT_LIMITS, type SplitLimits } from '../view-model/split-pane';

/** Names listed when a link names a node the project lacks; the rest are one click away. */
const MAX_LISTED = 20;

const nodeLink = (name: string | null): string => formatRoute({ tab: 'nodes', node: name });

/** The node list is narrow (four columns): the opened node gets most of the width. */
const NODE_SPLIT: SplitLimits = { ...DEFAULT_LIMITS, initial: 0.3, min: 0.15 };

/** What a node offers the filter box: its addresses, interface names, MACs, route destinations and name. */
function nodeFields(n: NodeJson): FilterFields {
  return {
    addresses: n.interfaces.flatMap((i) => i.addresses),
    ports: [],
    words: [n.name, ...n.interfaces.flatMap((i) => [i.name, i.mac ?? '']), ...n.routes.flatMap((r) => [r.dst, r.via ?? '', r.dev ?? ''])],
  };
}

/** The node list beside an opened node: one line per node. */
const NODE_COLUMNS: ReadonlyArray<GridColumn<NodeJson>> = [
  { id: 'name', label: 'Node', width: 'minmax(8em, 2fr)', className: 'mono', cell: (n) => n.name },
  { id: 'interfaces', label: 'Interfaces', width: '7.5em', className: 'num', cell: (n) => n.interfaces.length },
  { id: 'routes', label: 'Routes', width: '6em', className: 'num', cell: (n) => n.routes.length },
  { id: 'captures', label: 'Captures', width: '7em', className: 'num', cell: (n) => n.captures.length },
];

const NODE_COPY: ReadonlyArray<CopyAction<NodeJson>> = [
  { label: 'Name', text: (n) => n.name },
  { label: 'Link', text: (n) => `${window.location.origin}${window.location.pathname}${nodeLink(n.name)}` },
];

/**
 * `selected`: the node the URL opens (`#/nodes/NAME`), shown beside the list of nodes matching
 * `filter`; null: every matching node as a card, the whole width.
 */
export function NodeCards({ nodes, api, revision, selected, filter, onFilter, onSelect, onEdit }: {
  nodes: readonly NodeJson[];
  api: Api;
  revision: unknown;
  selected: string | null;
  filter: string;
  onFilter: (filter: string) => void;
  onSelect: (node: string | null) => void;
  /** Renames, merges and deletes nodes (with Undo in the edit bar). */
  onEdit: RunEdit;
}) {
  const names = useMemo(() => nodes.map((n) => n.name), [nodes]);
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  const rulesets = useMemo(() => new Map(nodes.map((n) => [n.name, rulesetCaptureCount(n)])), [nodes]);
  const matching = useMemo(() => quickFilter(nodes, draft, nodeFields), [nodes, draft]);
  if (nodes.length === 0) {
    return <p className="empty">No nodes yet. Import captures above: each node is named by the shell prompt, its folder, or its file name.</p>;
  }
  const shown = selected === null ? matching : nodes.filter((n) => n.name === selected);
  if (shown.length === 0 && selected !== null) {
    return (
      <div className="banner banner-warn" role="alert" data-testid="node-missing">
        <p>
          There is no node “{selected}” in this project. Its nodes:{' '}
          {nodes.slice(0, MAX_LISTED).map((n, i) => (
            <span key={n.name}>
              {i > 0 && ', '}
              <a href={nodeLink(n.name)}>{n.name}</a>
            </span>
          ))}
          {nodes.length > MAX_LISTED ? `, and ${nodes.length - MAX_LISTED} more (all under ` : '.'}
          {nodes.length > MAX_LISTED && (
            <>
              <a href={nodeLink(null)}>Nodes</a>).
            </>
          )}
        </p>
      </div>
    );
  }
  return (
    <div className="node-cards">
      <div className="toolbar">
        <QuickFilterBox filter={filter} placeholder="name, address, CIDR or interface" testId="nodes-filter" onDraft={setDraft} onApply={onFilter} />
        <span className="summary" data-testid="nodes-summary">
          {selected !== null ? (
            <a href={nodeLink(null)}>{nodes.length === 1 ? 'All nodes' : `All ${counted(nodes.length, 'node')}`}</a>
          ) : shown.length === nodes.length ? (
            counted(nodes.length, 'node')
          ) : (
            countedOf(shown.length, nodes.length, 'node')
          )}
        </span>
      </div>
      {selected === null ? (
        <VirtualCards cards={nodeCards(shown)} render={(node) => <NodeCardView node={node} api={api} revision={revision} rulesets={rulesets.get(node.name) ?? 0} others={names.filter((n) => n !== node.name)} onEdit={onEdit} />} />
      ) : (
        <SplitPane
          id="nodes"
          label="the node list"
          limits={NODE_SPLIT}
          list={
            <VirtualGrid
              label="Nodes"
              testId="nodes-table"
              rowTestId="node-row"
              className="nodes-table"
              rows={matching}
              rowKey={(n) => n.name}
              rowHeight={32}
              columns={NODE_COLUMNS}
              selectedKey={selected}
              onOpen={(n) => onSelect(n.name)}
              onClose={() => onSelect(null)}
              copy={NODE_COPY}
            />
          }
          detail={shown.map((node) => (
            <NodeCardView key={node.name} node={nodeCards([node])[0]!} api={api} revision={revision} rulesets={rulesets.get(node.name) ?? 0} others={names.filter((n) => n !== node.name)} onEdit={onEdit} opened />
          ))}
        />
      )}
    </div>
  );
}

/** Cards are of any height: each is measured once drawn; only those near the window's view are in the page. */
function VirtualCards({ cards, render }: { cards: readonly NodeCard[]; render: (card: NodeCard) => ReactNode }) {
  const listRef = useRef<HTMLDivElement | null>(null);
  const [margin, setMargin] = useState(0);
  useLayoutEffect(() => setMargin(listRef.current?.offsetTop ?? 0), []);
  const virtualizer = useWindowVirtualizer({ count: cards.length, estimateSize: () => 320, overscan: 3, scrollMargin: margin, getItemKey: (i) => cards[i]!.name });
  return (
    <div ref={listRef} className="virtual-cards" style={{ height: virtualizer.getTotalSize() }}>
      {virtualizer.getVirtualItems().map((item) => (
        <div key={item.key} data-index={item.index} ref={virtualizer.measureElement} className="virtual-card" style={{ transform: `translateY(${item.start - margin}px)` }}>
          {render(cards[item.index]!)}
        </div>
      ))}
    </div>
  );
}

/** Rows a card in the list shows before "Show all": a node of a 200-node mesh has 200 routes, and cards are many. */
const ROUTES_SHOWN = 20;

function RoutesTable({ routes, all }: { routes: NodeCard['routes']; all: boolean }) {
  const [expanded, setExpanded] = useState(all);
  const shown = expanded ? routes : routes.slice(0, ROUTES_SHOWN);
  return (
    <>
      <table className="grid routes">
        <thead>
          <tr>
            <th>Destination</th>
            <th>Via</th>
            <th>Dev</th>
            <th>Src</th>
            <th>Metric</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r, k) => (
            <tr key={k}>
              <td className="mono">{r.dst}</td>
              <td className="mono">{r.via}</td>
              <td className="mono">{r.dev}</td>
              <td className="mono">{r.src}</td>
              <td className="mono">{r.metric}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length < routes.length && (
        <button type="button" className="link" onClick={() => setExpanded(true)} data-testid="routes-show-all">
          Show all {routes.length.toLocaleString('en-US')} routes
        </button>
      )}
    </>
  );
}

/** `opened`: the node is shown beside the list, with room for its rules list. */
function NodeCardView({ node, api, revision, rulesets, others, onEdit, opened = false }: { node: NodeCard; api: Api; revision: unknown; rulesets: number; others: readonly string[]; onEdit: RunEdit; opened?: boolean }) {
  return (
    <article className="node-card" key={node.name} data-testid="node-card" aria-label={`node ${node.name}`}>
      <header>
        <h2>
          <a href={nodeLink(node.name)}>{node.name}</a>
        </h2>
        <span className="muted">{node.summary}</span>
        <NodeEditControls key={node.name} api={api} node={node.name} others={others} onEdit={onEdit} />
      </header>
      {node.interfaces.length > 0 ? (
        <table className="grid interfaces">
          <thead>
            <tr>
              <th>Interface</th>
              <th>Addresses</th>
              <th>MAC</th>
              <th>State</th>
              <th>Master / peer</th>
            </tr>
          </thead>
          <tbody>
            {node.interfaces.map((i) => (
              <tr key={i.name}>
                <td className="mono">{i.name}</td>
                <td className="mono">
                  {i.addresses.map((a) => (
                    <div key={a}>{a}</div>
                  ))}
                </td>
                <td className="mono">{i.mac}</td>
                <td>
                  <span className={`state state-${i.stateTone}`}>{i.state}</span>
                </td>
                <td className="mono">{i.links}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No ip addr capture for this node.</p>
      )}
      {node.routes.length > 0 && <RoutesTable routes={node.routes} all={opened} />}
      {node.captures.length > 0 && (
        <details className="node-captures">
          <summary>{node.captures.length === 1 ? '1 capture' : `${node.captures.length} captures`}</summary>
          <table className="grid">
            <tbody>
              {node.captures.map((c) => (
                <tr key={c.key}>
                  <td>
                    <span className="kind">{c.kind}</span>
                  </td>
                  <td>{c.label}</td>
                  <td className="mono">{c.source}</td>
                  <td className="mono">{c.takenAt}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      {rulesets > 0 && <RulesetHistoryPanel api={api} node={node.name} count={rulesets} revision={revision} />}
      {rulesets > 0 && opened && <RulesList api={api} node={node.name} revision={revision} />}
    </article>
  );
}
