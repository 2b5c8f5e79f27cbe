/**
 * A node's kernel settings from its sysctl captures (its own namespace, or one namespace of it): each key's newest
 * value wins — a later capture's over an earlier one's, a later line's over an earlier one's — so a greped fragment adds
 * what it shows and leaves the other keys as an earlier `sysctl -a` showed them.
 */
import type { CapturedSetting } from '../records/records';
import type { Store } from './store';

/** Null when no sysctl capture of the node (namespace) was stored. */
export function nodeSysctls(store: Store, nodeId: number, netns: string | null = null): ReadonlyMap<string, CapturedSetting> | null {
  const captures = store.capturesOf(nodeId).filter((c) => c.kind === 'sysctl' && c.netns === netns).sort((a, b) => a.id - b.id);
  if (captures.length === 0) return null;
  const out = new Map<string, CapturedSetting>();
  for (const c of captures) {
    for (const s of store.sysctlOf(c.id)) out.set(s.key, { value: s.value, source: `${c.sourceFile}:${s.line}` });
  }
  return out;
}
