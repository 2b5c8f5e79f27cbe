/**
 * The flow's NAT timeline drawn: lanes per capture point, an arrow per sighting with the changed ends
 * marked, the replay's predicted points below, conntrack under its node. The drawing is one SVG
 * (role="img", described by the layout's summary); the hops are a second, focusable layer over it
 * (a role="img" may not hold controls), each opening its packets and the rules that rewrote it.
 */
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { FlowDivergenceJson } from '../../shared/contract/flow-divergence-json';
import type { FlowDetailJson } from '../../shared/contract/flow-json';
import { changeText, PICTURE_GEOMETRY, type NatPicture, type PictureSegment } from '../../shared/contract/nat-picture';
import { arrowLabel, hopDetail, natPictureOf, STATUS_LABEL } from '../view-model/nat-picture-view';

const G = PICTURE_GEOMETRY;

function Tuple({ segments }: { segments: readonly PictureSegment[] }) {
  return (
    <>
      {segments.map((s, i) =>
        s.changed ? (
          <tspan key={i} className="changed">
            {s.text}
          </tspan>
        ) : (
          <tspan key={i}>{s.text}</tspan>
        ),
      )}
    </>
  );
}

function Arrow({ x1, x2, y, className }: { x1: number; x2: number; y: number; className: string }) {
  if (Math.abs(x2 - x1) < 1) {
    return (
      <g className={className}>
        <path d={`M${x1} ${y - 7} c 22 0 22 14 2 14`} fill="none" />
        <path className="head" d={`M${x1} ${y + 7} L${x1 + 7} ${y + 3} L${x1 + 7} ${y + 11} z`} />
      </g>
    );
  }
  const dir = x2 > x1 ? 1 : -1;
  const tip = x2 - 3 * dir;
  return (
    <g className={className}>
      <line x1={x1} y1={y} x2={x2 - 6 * dir} y2={y} />
      <path className="head" d={`M${tip} ${y} L${tip - 7 * dir} ${y - 4} L${tip - 7 * dir} ${y + 4} z`} />
    </g>
  );
}

function Drawing({ p }: { p: NatPicture }) {
  return (
    <svg className="nat-picture-drawing" role="img" aria-label={p.summary} width={p.width} height={p.height} viewBox={`0 0 ${p.width} ${p.height}`}>
      {p.lanes.map((l) => (
        <g key={l.index} className="lane">
          <text x={l.x} y={18} textAnchor="middle" className="lane-node">
            {l.node}
          </text>
          <text x={l.x} y={32} textAnchor="middle" className="lane-where">
            {l.label.slice(l.node.length + 3)}
          </text>
          <line x1={l.x} y1={p.laneTop} x2={l.x} y2={p.laneBottom} />
        </g>
      ))}
      {p.arrows.map((a) => (
        <g key={a.hop} className={`sighting ${a.direction}${a.firstDivergence ? ' first-divergence' : ''}`}>
          <text x={G.margin} y={a.y + 4} className="at">
            +{a.atMs} ms
          </text>
          <Arrow x1={a.x1} x2={a.x2} y={a.y} className="arrow" />
          <circle cx={a.x2} cy={a.y} r={3} className="dot" />
          <text x={p.textX} y={a.textY} className="tuple">
            <Tuple segments={a.segments} />
            <tspan className="meta">
              {' '}
              {a.direction} · {a.packets} pkt{a.tunnel !== null && ` · in ${a.tunnel}`}
              {a.trace !== null && ` · kernel trace ${a.trace}`}
            </tspan>
            {a.firstDivergence ? (
              <tspan className="mark"> ≠ first difference</tspan>
            ) : a.status !== null && a.status !== 'agree' ? (
              <tspan className={`status-${a.status}`}> ({STATUS_LABEL[a.status]})</tspan>
            ) : null}
          </text>
          {a.changes.map((c, k) => (
            <text key={c.end} x={p.textX} y={a.changeY[k]} className="change">
              {changeText(c)}
            </text>
          ))}
        </g>
      ))}
      {p.omitted !== null && (
        <text x={p.textX} y={p.omitted.y} className="omitted">
          … {p.omitted.arrows.toLocaleString('en-US')} more sightings ({p.omitted.packets.toLocaleString('en-US')} packets) not drawn: the packet list holds them all
        </text>
      )}
      {p.predictedTitleY !== null && (
        <text x={G.margin} y={p.predictedTitleY + 4} className="band-title">
          Replay predicts
        </text>
      )}
      {p.predicted.map((a) => (
        <g key={a.row} className={`predicted status-${a.status}${a.firstDivergence ? ' first-divergence' : ''}`} data-testid="nat-predicted" data-status={a.status}>
          <Arrow x1={a.x1} x2={a.x2} y={a.y} className="arrow" />
          <rect x={a.x2 - 4} y={a.y - 4} width={8} height={8} className="point" />
          <text x={p.textX} y={a.textY} className="tuple">
            {a.side === 'in' ? 'arrives ' : 'leaves '}
            <Tuple segments={a.segments} />
            <tspan className={a.firstDivergence ? 'mark' : 'meta'}> {a.firstDivergence ? '≠ first difference' : STATUS_LABEL[a.status]}</tspan>
          </text>
        </g>
      ))}
      {p.conntrackTitleY !== null && (
        <text x={G.margin} y={p.conntrackTitleY + 4} className="band-title">
          conntrack
        </text>
      )}
      {p.conntrack.map((c) => (
        <g key={c.index} className="conntrack">
          <rect x={c.x1} y={c.y} width={c.x2 - c.x1} height={3} rx={1.5} />
          <text x={c.textX} y={c.lineY[0]} className="tuple">
            <tspan className="flags">{c.node}</tspan> {c.flags}
          </text>
          <text x={c.textX} y={c.lineY[1]} className="tuple">
            {c.original}
          </text>
          <text x={c.textX} y={c.lineY[2]} className="tuple">
            {c.reply}
          </text>
        </g>
      ))}
    </svg>
  );
}

/** The flow's picture with its hop detail; `divergence` is null until the replay answers (or when it cannot run). */
export function NatPicturePanel({ detail, divergence }: { detail: FlowDetailJson; divergence: FlowDivergenceJson | null }) {
  const picture = useMemo(() => natPictureOf(detail, divergence), [detail, divergence]);
  const [open, setOpen] = useState<number | null>(null);
  const hop = useMemo(() => (open === null ? null : hopDetail(picture, open, detail)), [picture, open, detail]);
  const targets = useRef<Array<SVGRectElement | null>>([]);
  if (picture.arrows.length === 0) return null;
  const last = picture.arrows.length - 1;
  // Enter or Space opens a hop, Escape closes it; the arrow keys, Home and End move between hops in time order.
  const onKey = (e: KeyboardEvent, i: number): void => {
    const move = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: last }[e.key];
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      setOpen(i);
    } else if (e.key === 'Escape') setOpen(null);
    else if (move !== undefined) {
      e.preventDefault();
      targets.current[Math.max(0, Math.min(last, move))]?.focus();
    }
  };
  return (
    <section className="nat-picture" data-testid="nat-picture" aria-label="NAT timeline">
      <h3>NAT timeline</h3>
      {picture.divergence !== null && <p className="divergence-headline diverges">{picture.divergence}</p>}
      <div className="nat-picture-scroll">
        <div className="nat-picture-canvas" style={{ width: picture.width, height: picture.height }}>
          <Drawing p={picture} />
          <svg className="nat-picture-hops" role="group" aria-label="Hops: Enter opens the packets and rules of one" width={picture.width} height={picture.height} viewBox={`0 0 ${picture.width} ${picture.height}`}>
            {picture.arrows.map((a, i) => (
              <rect
                key={a.hop}
                ref={(el) => {
                  targets.current[i] = el;
                }}
                role="button"
                tabIndex={0}
                aria-label={arrowLabel(picture, a, i)}
                aria-pressed={open === i}
                data-testid="nat-hop"
                className={`hop-target${open === i ? ' open' : ''}`}
                x={2}
                y={a.top}
                width={picture.width - 4}
                height={a.bottom - a.top}
                rx={4}
                onClick={() => setOpen(open === i ? null : i)}
                onKeyDown={(e) => onKey(e, i)}
              />
            ))}
          </svg>
        </div>
      </div>
      {hop !== null && (
        <div className="nat-hop-detail" data-testid="nat-hop-detail" role="region" aria-label={hop.title}>
          <header>
            <h4>{hop.title}</h4>
            <button type="button" className="link close" onClick={() => setOpen(null)} aria-label="Close hop">
              Close
            </button>
          </header>
          <p className="mono">{hop.tuple}</p>
          {hop.changes.length > 0 && (
            <ul className="plain-list mono changes">
              {hop.changes.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
          )}
          <p className="muted">
            {hop.explanation}
            {hop.status !== null && ` · ${hop.status}`}
          </p>
          {hop.rules.length > 0 && (
            <ol className="step-list">
              {hop.rules.map((r) => (
                <li key={r.key} className="step nat" data-testid="nat-hop-rule">
                  <div className="step-where">
                    <span className="rule-title">{r.title}</span>
                    <span className="muted">{r.by}</span>
                    {r.source !== null && <span className="mono line">{r.source}</span>}
                  </div>
                  {r.rule !== null && <code className="rule">{r.rule}</code>}
                  {r.note !== null && <p className="step-note">{r.note}</p>}
                </li>
              ))}
            </ol>
          )}
          {hop.unexplained !== null && <p className="banner banner-warn">{hop.unexplained}</p>}
          {hop.packets.length > 0 && (
            <table className="grid hop-packets">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Flags</th>
                  <th className="num">Length</th>
                  <th>Source</th>
                </tr>
              </thead>
              <tbody>
                {hop.packets.map((k) => (
                  <tr key={k.key}>
                    <td className="mono">{k.time}</td>
                    <td className="mono">{k.flags}</td>
                    <td className="num mono">{k.length}</td>
                    <td className="mono">{k.source}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {hop.packetsNote !== null && <p className="muted">{hop.packetsNote}</p>}
        </div>
      )}
    </section>
  );
}
