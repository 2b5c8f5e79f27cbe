/**
 * The topology's cytoscape instance outlives its tab (components/topology-graph.tsx keeps it while another tab
 * shows): drawing 600 elements and fitting them costs more than a tab switch may. What a graph mounted again, or
 * given new elements, must do with what the instance shows already is decided here.
 */
import type { GraphElement } from './topology-elements';

export interface DrawnGraph {
  /** `graphSignature` of the elements the instance holds; null when it holds none yet. */
  signature: string | null;
  /** The data (the topology summary) the view was last fitted to; null before the first fit. */
  fittedFor: unknown;
}

export interface GraphUpdate {
  /** Replace the instance's elements with the new ones. */
  add: boolean;
  /** Fit the view to everything: the first drawing of these data (a new project revision) shows all of it. */
  fit: boolean;
}

/** Equal for elements that draw the same; cheap next to handing them to cytoscape. */
export function graphSignature(elements: readonly GraphElement[]): string {
  return JSON.stringify(elements);
}

/**
 * `source` names the data the elements were made from (the summary object): opening a node changes the elements
 * but not the source, so the view stays where the user put it; a new revision's data fits again.
 */
export function graphUpdate(drawn: DrawnGraph, signature: string, source: unknown, count: number): GraphUpdate {
  return { add: drawn.signature !== signature, fit: count > 0 && !Object.is(drawn.fittedFor, source) };
}
