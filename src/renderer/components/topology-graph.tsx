import cytoscape, { type Core, type ElementDefinition, type EventObject } from 'cytoscape';
import { useEffect, useRef } from 'react';
import type { GraphElement } from '../view-model/topology-elements';
import { TOPOLOGY_STYLE } from './topology-style';

/**
 * Cytoscape adds a <style> to <head> unless an element with this id exists; the page's CSP forbids
 * inline styles, so we mark it present (styles.css gives the container the position it wanted).
 */
const CYTOSCAPE_STYLESHEET_ID = '__________cytoscape_stylesheet';

function markCytoscapeStylesheet(doc: Document): void {
  if (doc.getElementById(CYTOSCAPE_STYLESHEET_ID) !== null) return;
  const marker = doc.createElement('meta');
  marker.id = CYTOSCAPE_STYLESHEET_ID;
  doc.head.appendChild(marker);
}

export interface GraphSelection {
  title: string;
  details: GraphElement['data']['details'];
}

/** Draws the elements; owns the cytoscape instance and destroys it on unmount or when the elements change. */
export function TopologyGraph({ elements, onSelect, fitSignal, visible }: { elements: readonly GraphElement[]; onSelect: (s: GraphSelection | null) => void; fitSignal: number; visible: boolean }) {
  const container = useRef<HTMLDivElement>(null);
  const cy = useRef<Core | null>(null);
  const select = useRef(onSelect);
  select.current = onSelect;

  useEffect(() => {
    const el = container.current;
    if (el === null) return undefined;
    markCytoscapeStylesheet(el.ownerDocument);
    const instance = cytoscape({
      container: el,
      // Cytoscape takes ownership of what it is given: hand it copies, never the view-model's objects.
      elements: structuredClone(elements as GraphElement[]) as ElementDefinition[],
      style: TOPOLOGY_STYLE,
      // Positions come from the view-model (topology-layout.ts): the same project always draws the same graph.
      layout: { name: 'preset', fit: true, padding: 24 },
      wheelSensitivity: 0.3,
      minZoom: 0.2,
      maxZoom: 3,
      boxSelectionEnabled: false,
    });
    instance.on('tap', (event: EventObject) => {
      if (event.target === instance) {
        select.current(null);
        return;
      }
      const data = (event.target as cytoscape.SingularElementReturnValue).data() as GraphElement['data'];
      select.current({ title: data.title, details: data.details });
    });
    // What cytoscape holds, readable by tests and tools without reaching into the canvas.
    el.dataset.drawnNodes = String(instance.nodes().length);
    el.dataset.drawnEdges = String(instance.edges().length);
    cy.current = instance;
    return () => {
      cy.current = null;
      instance.destroy();
    };
  }, [elements]);

  useEffect(() => {
    if (fitSignal > 0) cy.current?.fit(undefined, 24);
  }, [fitSignal]);

  // Drawn while its tab was hidden, the canvas had no size: measure again and fit when shown.
  useEffect(() => {
    if (!visible || cy.current === null) return;
    cy.current.resize();
    cy.current.fit(undefined, 24);
  }, [visible]);

  return <div className="topology-canvas" ref={container} data-testid="topology-canvas" />;
}
