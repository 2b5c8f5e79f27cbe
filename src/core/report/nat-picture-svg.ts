/**
 * The NAT timeline picture (core/views/nat-picture.ts) as an inline SVG string for the HTML report:
 * the same layout the UI draws, in fixed print colours, nothing interactive, every text escaped.
 */
import { changeText, type NatPicture, type PictureStatus, type Segment } from '../views/nat-picture';
import { escapeHtml } from './report-html-escape';

const INK = '#1d2330';
const MUTED = '#5b6576';
const LANE = '#c3cad6';
const CHANGED = '#a3153a';
const PREDICTED = '#4a5a78';

const STATUS_COLOUR: Record<PictureStatus, string> = {
  agree: '#1f7a3d',
  differs: '#b3261e',
  missing: '#b3261e',
  unpredicted: '#b3261e',
  unobserved: '#7a8394',
};

const STATUS_TEXT: Record<PictureStatus, string> = {
  agree: 'agrees',
  differs: 'differs',
  missing: 'not captured',
  unpredicted: 'not predicted',
  unobserved: 'no capture here',
};

/** A white outline behind text that runs over the lane lines. */
const HALO = ' stroke="#ffffff" stroke-width="3" paint-order="stroke"';

const n = (v: number): string => String(Math.round(v * 10) / 10);

function segments(list: readonly Segment[]): string {
  return list.map((s) => (s.changed ? `<tspan fill="${CHANGED}" font-weight="700" text-decoration="underline">${escapeHtml(s.text)}</tspan>` : escapeHtml(s.text))).join('');
}

/** A horizontal arrow, or a small loop beside the lane for a packet seen again at the same point; heads drawn, no markers (no url()). */
function arrowLine(x1: number, x2: number, y: number, colour: string, dashed: boolean): string {
  const dash = dashed ? ' stroke-dasharray="5 4"' : '';
  const head = (x: number, hy: number, dir: 1 | -1): string =>
    `<path d="M${n(x)} ${n(hy)} L${n(x - 7 * dir)} ${n(hy - 4)} L${n(x - 7 * dir)} ${n(hy + 4)} z" fill="${colour}"/>`;
  if (Math.abs(x2 - x1) < 1) {
    return `<path d="M${n(x1)} ${n(y - 7)} c 22 0 22 14 2 14" fill="none" stroke="${colour}" stroke-width="1.6"${dash}/>${head(x1, y + 7, -1)}`;
  }
  const dir = x2 > x1 ? 1 : -1;
  return `<line x1="${n(x1)}" y1="${n(y)}" x2="${n(x2 - 6 * dir)}" y2="${n(y)}" stroke="${colour}" stroke-width="1.6"${dash}/>${head(x2 - 3 * dir, y, dir)}`;
}

export function renderNatPictureSvg(p: NatPicture, title: string): string {
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(p.summary)}" class="nat-picture" width="${p.width}" height="${p.height}" viewBox="0 0 ${p.width} ${p.height}" font-family="ui-monospace, Menlo, Consolas, monospace" font-size="11">`);
  out.push(`<title>${escapeHtml(title)}</title>`);
  for (const l of p.lanes) {
    const [node, where] = [l.node, l.label.slice(l.node.length + 3)];
    out.push(`<g class="lane"><text x="${n(l.x)}" y="18" text-anchor="middle" font-weight="700" fill="${INK}">${escapeHtml(node)}</text>`
      + `<text x="${n(l.x)}" y="32" text-anchor="middle" fill="${MUTED}">${escapeHtml(where)}</text>`
      + `<line x1="${n(l.x)}" y1="${n(p.laneTop)}" x2="${n(l.x)}" y2="${n(p.laneBottom)}" stroke="${LANE}" stroke-width="1"/></g>`);
  }
  for (const a of p.arrows) {
    const colour = a.firstDivergence ? STATUS_COLOUR.differs : INK;
    out.push(`<g class="hop" data-hop="${a.hop}">`
      + `<text x="10" y="${n(a.y + 4)}" fill="${MUTED}">+${a.atMs} ms</text>`
      + arrowLine(a.x1, a.x2, a.y, colour, false)
      + `<circle cx="${n(a.x2)}" cy="${n(a.y)}" r="3" fill="${colour}"/>`
      + `<text x="${n(p.textX)}" y="${n(a.textY)}" fill="${INK}"${HALO}>${segments(a.segments)} <tspan fill="${MUTED}">${a.direction} · ${a.packets} pkt${a.tunnel === null ? '' : ` · in ${escapeHtml(a.tunnel)}`}${a.trace === null ? '' : ` · kernel trace ${escapeHtml(a.trace)}`}</tspan>`
      + (a.firstDivergence ? ` <tspan fill="${STATUS_COLOUR.differs}" font-weight="700">≠ first difference</tspan>` : a.status !== null && a.status !== 'agree' ? ` <tspan fill="${STATUS_COLOUR[a.status]}">(${STATUS_TEXT[a.status]})</tspan>` : '')
      + '</text>'
      + a.changes.map((c, k) => `<text x="${n(p.textX)}" y="${n(a.changeY[k]!)}" fill="${CHANGED}"${HALO}>${escapeHtml(changeText(c))}</text>`).join('')
      + '</g>');
  }
  if (p.omitted !== null) {
    out.push(`<text x="${n(p.textX)}" y="${n(p.omitted.y)}" fill="${MUTED}" font-style="italic"${HALO}>… ${p.omitted.arrows} more sighting${p.omitted.arrows === 1 ? '' : 's'} (${p.omitted.packets} packets) not drawn</text>`);
  }
  if (p.predictedTitleY !== null) out.push(`<text x="12" y="${n(p.predictedTitleY + 4)}" font-weight="700" fill="${PREDICTED}">Replay predicts</text>`);
  for (const a of p.predicted) {
    const colour = STATUS_COLOUR[a.status];
    out.push(`<g class="predicted" data-row="${a.row}">`
      + arrowLine(a.x1, a.x2, a.y, a.firstDivergence ? STATUS_COLOUR.differs : PREDICTED, true)
      + `<rect x="${n(a.x2 - 4)}" y="${n(a.y - 4)}" width="8" height="8" fill="${colour}"/>`
      + `<text x="${n(p.textX)}" y="${n(a.textY)}" fill="${PREDICTED}"${HALO}>${a.side === 'in' ? 'arrives' : 'leaves'} ${segments(a.segments)} `
      + `<tspan fill="${colour}" font-weight="${a.firstDivergence ? 700 : 400}">${a.firstDivergence ? '≠ first difference' : STATUS_TEXT[a.status]}</tspan></text></g>`);
  }
  if (p.predictedOmitted > 0) out.push(`<text x="${n(p.textX)}" y="${n(p.laneBottom - 10)}" fill="${MUTED}" font-style="italic">… ${p.predictedOmitted} more predicted points not drawn</text>`);
  if (p.conntrackTitleY !== null) out.push(`<text x="12" y="${n(p.conntrackTitleY + 4)}" font-weight="700" fill="${INK}">conntrack</text>`);
  for (const c of p.conntrack) {
    out.push(`<g class="conntrack"><rect x="${n(c.x1)}" y="${n(c.y)}" width="${n(c.x2 - c.x1)}" height="3" rx="1.5" fill="${PREDICTED}"/>`
      + `<text x="${n(c.textX)}" y="${n(c.lineY[0])}" fill="${INK}"${HALO}><tspan font-weight="700">${escapeHtml(c.node)}</tspan> ${escapeHtml(c.flags)}</text>`
      + `<text x="${n(c.textX)}" y="${n(c.lineY[1])}" fill="${INK}"${HALO}>${escapeHtml(c.original)}</text>`
      + `<text x="${n(c.textX)}" y="${n(c.lineY[2])}" fill="${INK}"${HALO}>${escapeHtml(c.reply)}</text></g>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
