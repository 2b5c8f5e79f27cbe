/** How the topology graph looks: cytoscape's stylesheet, in the colours of styles.css. */
import type { StylesheetJson } from 'cytoscape';
import { BOX_PADDING } from '../view-model/topology-layout';

const INK = '#1d2430';
const MUTED = '#687385';
const LINE = '#c5ccd6';
const ACCENT = '#2f6fdf';
const OK = '#1f8a4c';
const WARN = '#a86a00';
const PATH = '#c2410c';
const SANS = 'system-ui, -apple-system, "Segoe UI", "Noto Sans", "DejaVu Sans", sans-serif';
const MONO = 'ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace';

export const TOPOLOGY_STYLE: StylesheetJson = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      'font-family': MONO,
      'font-size': 11,
      color: INK,
      'text-wrap': 'wrap',
      'text-valign': 'center',
      'text-halign': 'center',
      shape: 'round-rectangle',
      width: 'data(w)',
      height: 'data(h)',
      'background-color': '#ffffff',
      'border-width': 1,
      'border-color': LINE,
      // Level of detail: a label smaller than this on screen is not drawn (zoomed out over hundreds of nodes).
      'min-zoomed-font-size': 7,
    },
  },
  {
    selector: 'node:parent',
    style: {
      'text-valign': 'top',
      'text-halign': 'center',
      'text-margin-y': -6,
      padding: `${BOX_PADDING.node}px`,
      'font-family': SANS,
      'font-size': 13,
      'font-weight': 600,
    },
  },
  { selector: 'node.node-box', style: { 'background-color': '#f4f6f9', 'border-color': '#aab4c3', 'border-width': 1.5, 'font-size': 14 } },
   { selector: 'node.namespace-box', style: { padding: `${BOX_PADDING.namespace}px`, 'background-color': '#fffaf0', 'border-color': '#d9a441', 'border-style': 'dashed', 'border-width': 1.5 } },
  { selector: 'node.bridge', style: { 'background-color': '#eaf1fd', 'border-color': '#8fb0ea', 'font-family': MONO, 'font-size': 11, 'font-weight': 600, padding: `${BOX_PADDING.bridge}px` } },
  { selector: 'node.interface.addressed', style: { 'border-color': '#8a96a8' } },
  { selector: 'node.veth', style: { 'background-color': '#fbfcfe' } },
  { selector: 'node.loopback', style: { color: MUTED, 'border-style': 'dotted' } },
  { selector: 'node.down', style: { color: MUTED, 'border-color': '#c23b32', 'border-style': 'dashed' } },
  { selector: 'node.pod', style: { 'background-color': '#ecf7f0', 'border-color': OK, color: '#155c34' } },
  { selector: 'node.pod.outside', style: { 'border-style': 'dashed' } },
  { selector: 'node.service', style: { 'background-color': '#fdf3e3', 'border-color': WARN, 'border-width': 1.5, color: '#5c3b00', 'font-weight': 600 } },
  {
    selector: 'edge',
    style: {
      width: 1.5,
      'line-color': '#9aa4b2',
      'curve-style': 'bezier',
      label: 'data(label)',
      'font-family': MONO,
      'font-size': 10,
      color: INK,
      'text-wrap': 'wrap',
      'text-background-color': '#ffffff',
      'text-background-opacity': 1,
      'text-background-padding': '2px',
      'text-background-shape': 'roundrectangle',
      'min-zoomed-font-size': 8,
    },
  },
  { selector: 'edge.route-link', style: { 'line-color': ACCENT, width: 2, 'target-arrow-shape': 'triangle', 'target-arrow-color': ACCENT, color: ACCENT } },
  { selector: 'edge.veth-link', style: { 'line-color': '#6b7686', width: 2 } },
  { selector: 'edge.endpoint-link', style: { 'line-color': WARN, 'line-style': 'dashed', 'target-arrow-shape': 'triangle', 'target-arrow-color': WARN, color: WARN } },
  { selector: 'edge.pod-link', style: { 'line-color': OK, 'line-style': 'dotted' } },
  { selector: 'edge.namespace-link', style: { 'line-color': '#d9a441', 'line-style': 'dashed', color: MUTED } },
  { selector: 'node.uplink', style: { 'border-color': '#8a96a8' } },
  { selector: 'node.bridge-summary', style: { 'background-color': '#eaf1fd', 'border-color': '#8fb0ea' } },
  { selector: 'node.node-box.loading', style: { 'border-style': 'dashed' } },
  { selector: 'node.service-group', style: { 'background-color': '#fdf3e3', 'border-color': WARN, 'border-width': 1.5, color: '#5c3b00', 'font-weight': 600, padding: `${BOX_PADDING.group}px` } },
  { selector: 'node.overlay', style: { 'background-color': '#eef3fc', 'border-color': ACCENT, 'border-style': 'dashed', 'border-width': 2, color: ACCENT, 'font-family': SANS, 'font-size': 16, 'font-weight': 600 } },
  { selector: 'edge.route-link.both-ways', style: { 'source-arrow-shape': 'triangle', 'source-arrow-color': ACCENT } },
  { selector: 'edge.path-link', style: { 'line-color': PATH, width: 4, 'target-arrow-shape': 'triangle', 'target-arrow-color': PATH, color: PATH, 'curve-style': 'straight' } },
  { selector: 'edge.on-path', style: { 'line-color': PATH, 'target-arrow-color': PATH, width: 4, 'z-index': 10 } },
  { selector: 'node.on-path', style: { 'border-color': PATH, 'border-width': 4 } },
  { selector: 'node.focused', style: { 'border-color': ACCENT, 'border-width': 5, 'overlay-color': ACCENT, 'overlay-opacity': 0.12 } },
  { selector: 'node:selected', style: { 'border-color': ACCENT, 'border-width': 3 } },
  { selector: 'edge:selected', style: { 'line-color': ACCENT, 'target-arrow-color': ACCENT, width: 3 } },
];

/** On-screen size of a node's name when zoomed far out: its box label grows as the view shrinks, up to what fits the box. */
const FAR_LABEL_PX = 12;
const FAR_LABEL_MAX = 64;

/** The node-name rule that depends on the zoom; the graph restyles when the zoom changes. */
export function nodeNameStyle(zoom: () => number): StylesheetJson {
  return [{ selector: 'node.node-box, node.overlay', style: { 'font-size': () => Math.min(FAR_LABEL_MAX, Math.max(14, FAR_LABEL_PX / Math.max(zoom(), 0.001))) } }];
}
