/**
 * The replay worlds of one open project, kept across requests: a node's rulesets are read and its
 * chains compiled (and indexed) the first time a trace reaches them, and every later trace reuses
 * them. A world is dropped when the captures change (an import here or in another process: the
 * capture generation moves) or the store is reopened (its lazily read rules belong to the old one).
 */
import type { Store } from '../../core/model/store';
import { FlowStore } from '../../core/model/flow-store';
import { loadWorld } from '../../core/project/node-world';
import type { NodeSnapshot } from '../../core/simulate';

/** Pinned snapshots (`trace --snapshot`) kept at once; the newest-captures world is one of them. */
const MAX_WORLDS = 8;

export class ReplayWorlds {
  private store: Store | null = null;
  private generation: string | null = null;
  private readonly worlds = new Map<number | null, NodeSnapshot[]>();

  /** The world for `snapshot` (null: the newest captures of each node). Throws ModelError as loadWorld does. */
  of(store: Store, snapshot: number | null = null): NodeSnapshot[] {
    const generation = new FlowStore(store).captureGeneration();
    if (store !== this.store || generation !== this.generation) {
      this.worlds.clear();
      this.store = store;
      this.generation = generation;
    }
    let world = this.worlds.get(snapshot);
    if (world === undefined) {
      if (this.worlds.size >= MAX_WORLDS) this.worlds.clear();
      world = loadWorld(store, { snapshot });
      this.worlds.set(snapshot, world);
    }
    return world;
  }

  /** Forget every world (the store is closing). */
  clear(): void {
    this.worlds.clear();
    this.store = null;
    this.generation = null;
  }
}
