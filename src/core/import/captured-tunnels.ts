import type { Store } from '../model/store';
import type { ImportedCapture } from '../views/import';

/** The `tunnels` field of an imported packet capture: present only when its packets came inside tunnels. */
export function capturedTunnels(store: Store, captureId: number): Pick<ImportedCapture, 'tunnels'> {
  const tunnels = store.packets.tunnels(captureId);
  if (tunnels.length === 0) return {};
  return { tunnels: tunnels.map(({ kind, vni, src, dst, dport, packets }) => ({ kind, vni, src, dst, dport, packets })) };
}
