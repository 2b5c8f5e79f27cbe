import type { Api } from '../../shared/contract/api';
import type { NodeJson } from '../../shared/contract/contract-json';
import { nodeCards } from '../view-model/node-list';
import { formatRoute } from '../view-model/route';
import { rulesetCaptureCount } from '../view-model/ruleset-history';
import { RulesetHistoryPanel } from './ruleset-history-panel';

/** Names listed when a link names a node the project lacks; the rest are one click away. */
const MAX_LISTED = 20;

const nodeLink = (name: string | null): string => formatRoute({ tab: 'nodes', node: name });

/** `selected`: the node the URL opens (`#/nodes/NAME`), shown alone; null: every node. */
export function NodeCards({ nodes, api, revision, selected }: { nodes: readonly NodeJson[]; api: Api; revision: unknown; selected: string | null }) {
  const rulesets = new Map(nodes.map((n) => [n.name, rulesetCaptureCount(n)]));
  if (nodes.length === 0) {
    return <p className="empty">No nodes yet. Import captures above: each node is named by the shell prompt, its folder, or its file name.</p>;
  }
  const shown = selected === null ? nodes : nodes.filter((n) => n.name === selected);
  if (shown.length === 0) {
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
      {selected !== null && (
        <p className="node-cards-nav">
          <a href={nodeLink(null)}>All {nodes.length} nodes</a>
        </p>
      )}
      {nodeCards(shown).map((node) => (
        <article className="node-card" key={node.name} data-testid="node-card" aria-label={`node ${node.name}`}>
          <header>
            <h2>
              <a href={nodeLink(node.name)}>{node.name}</a>
            </h2>
            <span className="muted">{node.summary}</span>
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
          {node.routes.length > 0 && (
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
                {node.routes.map((r, k) => (
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
          )}
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
                      <td className="mono">{c.source}</td>
                      <td className="mono">{c.takenAt}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          )}
          {(rulesets.get(node.name) ?? 0) > 0 && <RulesetHistoryPanel api={api} node={node.name} count={rulesets.get(node.name) ?? 0} revision={revision} />}
        </article>
      ))}
    </div>
  );
}
