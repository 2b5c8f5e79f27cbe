import cytoscape, { type Core, type ElementDefinition, type EventObject } from 'cytoscape';
import { useEffect, useLayoutEffect, useRef } from 'react';
import { graphSignature, graphUpdate, type DrawnGraph } from '../view-model/graph-reuse';
import type { GraphElement } from '../view-model/topology-elements';
import { nodeNameStyle, TOPOLOGY_STYLE } from './topology-style';

/**
 * Cytoscape adds a <style> to <head> unless an element with this id exists; the page's CSP forbids
 * inline styles, so we mark it present (styles.css gives the container the position it wanted).
 */
const CYTOSCAPE_STYLESHEET_ID = '__________cytoscape_stylesheet';

/** Past this many elements, edges are hidden while panning and zooming (redrawn when the view rests). */
const BUSY_GRAPH = 800;
const FIT_PADDING = 24;
/** Fitted alone, one node box (a project of one node) would fill the window at the 3× limit: a fit stops here. */
const FIT_MAX_ZOOM = 1.25;

/** Everything in view, at no more than a readable zoom. */
function fitAll(instance: Core): void {
  instance.fit(undefined, FIT_PADDING);
  if (instance.zoom() > FIT_MAX_ZOOM) {
    instance.zoom(FIT_MAX_ZOOM);
    instance.center();
  }
}

function markCytoscapeStylesheet(doc: Document): void {
  if (doc.getElementById(CYTOSCAPE_STYLESHEET_ID) !== null) return;
  const marker = doc.createElement('meta');
  marker.id = CYTOSCAPE_STYLESHEET_ID;
  doc.head.appendChild(marker);
}

export type GraphData = GraphElement['data'];

/** Elements to bring into view; `seq` changes for every request, so asking twice for the same element works. */
export interface GraphFocus {
  ids: readonly string[];
  seq: number;
}

/** A cytoscape instance with the element it draws into; `host` is what moves between mounts. */
interface Graph {
  host: HTMLDivElement;
  instance: Core;
  drawn: DrawnGraph;
  /** The mounted component's tap handler. */
  onTap: (data: GraphData | null) => void;
}

/**
 * The graph of the last unmounted TopologyGraph, kept while another tab shows: only the visible tab is mounted,
 * and a new instance would add, style and fit every element again. Cytoscape destroys itself when its container
 * leaves its parent, so the container stays inside `host` and `host` is what moves.
 */
let kept: Graph | null = null;

const PARKING_ID = 'topology-parking';

/**
 * Where the kept graph waits: in the document, hidden and off-screen, at the size it was shown at, so its canvases
 * keep their pixels (out of the document they would be measured at 0×0 and drawn again from nothing on return).
 */
function park(graph: Graph, width: number, height: number): void {
  const doc = graph.host.ownerDocument;
  let lot = doc.getElementById(PARKING_ID);
  if (lot === null) {
    lot = doc.createElement('div');
    lot.id = PARKING_ID;
    lot.setAttribute('aria-hidden', 'true');
    doc.body.appendChild(lot);
  }
  lot.style.width = `${width}px`;
  lot.style.height = `${height}px`;
  lot.appendChild(graph.host);
}

/** Cytoscape's cache of where its container is on the page (not in its typings): stale once the host moved. */
function forgetContainerPlace(instance: Core): void {
  (instance as unknown as { renderer(): { invalidateContainerClientCoordsCache(): void } }).renderer().invalidateContainerClientCoordsCache();
}

function createGraph(doc: Document): Graph {
  markCytoscapeStylesheet(doc);
  const host = doc.createElement('div');
  host.className = 'topology-host';
  const box = doc.createElement('div');
  box.className = 'topology-box';
  host.appendChild(box);
  let zoom = 1;
  const instance = cytoscape({
    container: box,
    elements: [],
    style: [...TOPOLOGY_STYLE, ...nodeNameStyle(() => zoom)],
    // Positions come from the view-model (topology-layout.ts): the same project always draws the same graph.
    layout: { name: 'preset', fit: false },
    wheelSensitivity: 0.3,
    // Far enough out for 500 node boxes; labels hide below a readable size (topology-style.ts).
    minZoom: 0.005,
    maxZoom: 3,
    boxSelectionEnabled: false,
  });
  const graph: Graph = { host, instance, drawn: { signature: null, fittedFor: null }, onTap: () => undefined };
  // Cytoscape keeps where its container is on the page until a resize or a scroll; a line shown above the graph (a
  // search's answer, a highlighted path) moves it without either, and a click would land on what is drawn above it.
  for (const type of ['pointerenter', 'pointerdown', 'wheel'] as const) {
    host.addEventListener(type, () => forgetContainerPlace(instance), { capture: true, passive: true });
  }
  let restyle = 0;
  instance.on('zoom', () => {
    if (restyle !== 0) return;
    restyle = requestAnimationFrame(() => {
      restyle = 0;
      zoom = instance.zoom();
      instance.style().update();
    });
  });
  instance.on('tap', (event: EventObject) => {
    graph.onTap(event.target === instance ? null : ((event.target as cytoscape.SingularElementReturnValue).data() as GraphData));
  });
  instance.on('destroy', () => cancelAnimationFrame(restyle));
  return graph;
}

/** Draws `elements` unless the instance shows them already; fits the view to the first drawing of `source`'s data. */
function draw(graph: Graph, elements: readonly GraphElement[], source: unknown): void {
  const { instance } = graph;
  const signature = graphSignature(elements);
  const update = graphUpdate(graph.drawn, signature, source, elements.length);
  if (update.add) {
    const selected = instance.$(':selected').map((e) => e.id());
    instance.batch(() => {
      instance.elements().remove();
      // Cytoscape takes ownership of what it is given: hand it copies, never the view-model's objects.
      instance.add(structuredClone(elements as GraphElement[]) as ElementDefinition[]);
      for (const id of selected) instance.getElementById(id).select();
    });
    const busy = elements.length > BUSY_GRAPH;
    // Not in cytoscape's typings: the renderer reads these options as it draws.
    const renderer = (instance as unknown as { renderer(): { hideEdgesOnViewport: boolean; textureOnViewport: boolean } }).renderer();
    renderer.hideEdgesOnViewport = busy;
    renderer.textureOnViewport = busy;
    graph.drawn = { ...graph.drawn, signature };
  }
  if (update.fit) {
    instance.resize();
    fitAll(instance);
    graph.drawn = { ...graph.drawn, fittedFor: source };
  }
}

/**
 * Draws the elements into one cytoscape instance, kept across unmounts (see `kept`), and swaps the elements in
 * place, so opening a node keeps the view where it is and coming back to the tab shows the view as it was left.
 * The first drawing of a project revision's data (`source`) and Fit show everything.
 */
export function TopologyGraph({ elements, source, onTap, fitSignal, focus }: {
  elements: readonly GraphElement[];
  /** The data the elements were made from (the topology summary): a new one is a new project revision. */
  source: unknown;
  onTap: (data: GraphData | null) => void;
  fitSignal: number;
  focus: GraphFocus | null;
}) {
  const container = useRef<HTMLDivElement>(null);
  const graph = useRef<Graph | null>(null);
  const tap = useRef(onTap);
  tap.current = onTap;
  const focused = useRef<number | null>(null);

  // Layout effects: the host moves in the same commit as the slot comes and goes, before the browser measures it.
  useLayoutEffect(() => {
    const el = container.current;
    if (el === null) return undefined;
    const g = kept ?? createGraph(el.ownerDocument);
    kept = null;
    g.onTap = (data) => tap.current(data);
    const { clientWidth: w, clientHeight: h } = g.host;
    el.appendChild(g.host);
    forgetContainerPlace(g.instance);
    // A new graph, or a slot of another size than the one it was parked at: measure and draw again.
    if (g.host.clientWidth !== w || g.host.clientHeight !== h) g.instance.resize();
    graph.current = g;
    return () => {
      graph.current = null;
      g.onTap = () => undefined;
      // One graph is kept: a second one mounted meanwhile (never, with one tab shown) replaces it.
      if (kept !== null && kept !== g) kept.instance.destroy();
      kept = g;
      park(g, el.clientWidth, el.clientHeight);
    };
  }, []);

  useEffect(() => {
    const g = graph.current;
    const el = container.current;
    if (g === null || el === null) return undefined;
    draw(g, elements, source);
    // What cytoscape holds, readable by tests and tools without reaching into the canvas.
    el.dataset.drawnNodes = String(g.instance.nodes().length);
    el.dataset.drawnEdges = String(g.instance.edges().length);
    // Opened nodes whose details are still on their way: what is drawn is not yet what was opened.
    el.dataset.loadingNodes = String(g.instance.nodes('.loading').length);
    el.dataset.zoom = g.instance.zoom().toFixed(3);
    // Interactive once the frame with these elements has been painted.
    delete el.dataset.ready;
    const frame = requestAnimationFrame(() => requestAnimationFrame(() => (el.dataset.ready = String(elements.length))));
    return () => cancelAnimationFrame(frame);
  }, [elements, source]);

  useEffect(() => {
    const instance = graph.current?.instance;
    if (fitSignal > 0 && instance !== undefined) fitAll(instance);
  }, [fitSignal]);

  useEffect(() => {
    const instance = graph.current?.instance;
    const el = container.current;
    // A focus waits for its elements (a node opened for it arrives a moment later), then applies once.
    if (instance === undefined || el === null || focus === null || focused.current === focus.seq) return;
    const target = instance.collection();
    for (const id of focus.ids) target.merge(instance.getElementById(id));
    if (target.empty()) return;
    focused.current = focus.seq;
    instance.$('.focused').removeClass('focused');
    target.addClass('focused');
    instance.$(':selected').unselect();
    target.select();
    instance.fit(target, 80);
    // A single pod fitted alone would fill the screen: stay at a readable zoom.
    if (instance.zoom() > 1.5) {
      instance.zoom(1.5);
      instance.center(target);
    }
    el.dataset.focused = focus.ids.join(' ');
  }, [focus, elements]);

  return <div className="topology-canvas" ref={container} data-testid="topology-canvas" />;
}
