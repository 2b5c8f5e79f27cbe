import cytoscape, { type Core, type ElementDefinition, type EventObject } from 'cytoscape';
import { useEffect, useRef } from 'react';
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

/**
 * Draws the elements; owns one cytoscape instance for its lifetime and swaps the elements in place, so
 * opening a node keeps the view where it is. The first drawing and Fit show everything.
 */
export function TopologyGraph({ elements, onTap, fitSignal, focus, visible }: {
  elements: readonly GraphElement[];
  onTap: (data: GraphData | null) => void;
  fitSignal: number;
  focus: GraphFocus | null;
  visible: boolean;
}) {
  const container = useRef<HTMLDivElement>(null);
  const cy = useRef<Core | null>(null);
  const tap = useRef(onTap);
  tap.current = onTap;
  const fitted = useRef(false);
  const focused = useRef<number | null>(null);

  useEffect(() => {
    const el = container.current;
    if (el === null) return undefined;
    markCytoscapeStylesheet(el.ownerDocument);
    let zoom = 1;
    const instance = cytoscape({
      container: el,
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
      tap.current(event.target === instance ? null : ((event.target as cytoscape.SingularElementReturnValue).data() as GraphData));
    });
    cy.current = instance;
    return () => {
      cancelAnimationFrame(restyle);
      cy.current = null;
      instance.destroy();
    };
  }, []);

  useEffect(() => {
    const instance = cy.current;
    const el = container.current;
    if (instance === null || el === null) return;
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
    if (!fitted.current && elements.length > 0) {
      instance.resize();
      instance.fit(undefined, FIT_PADDING);
      fitted.current = true;
    }
    // What cytoscape holds, readable by tests and tools without reaching into the canvas.
    el.dataset.drawnNodes = String(instance.nodes().length);
    el.dataset.drawnEdges = String(instance.edges().length);
    // Interactive once the frame with these elements has been painted.
    delete el.dataset.ready;
    const frame = requestAnimationFrame(() => requestAnimationFrame(() => (el.dataset.ready = String(elements.length))));
    return () => cancelAnimationFrame(frame);
  }, [elements]);

  useEffect(() => {
    if (fitSignal > 0) cy.current?.fit(undefined, FIT_PADDING);
  }, [fitSignal]);

  useEffect(() => {
    const instance = cy.current;
    const el = container.current;
    // A focus waits for its elements (a node opened for it arrives a moment later), then applies once.
    if (instance === null || el === null || focus === null || focused.current === focus.seq) return;
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

  // Drawn while its tab was hidden, the canvas had no size: measure again and fit when shown.
  useEffect(() => {
    if (!visible || cy.current === null) return;
    cy.current.resize();
    cy.current.fit(undefined, FIT_PADDING);
  }, [visible]);

  return <div className="topology-canvas" ref={container} data-testid="topology-canvas" />;
}
