/** The project's probes (curl, wget, nc, telnet, ping outputs) judged against the replay on the node that ran them (diagnose/probe-findings.ts). */
import type { Store } from '../model/store';
import type { NodeSnapshot } from '../simulate';
import type { ProjectFinding } from '../diagnose/finding';
import type { CaptureFiles } from '../diagnose/flow-findings';
import { probeFinding } from '../diagnose/probe-findings';
import { readTopology } from './topology';

export function probeFindingsOf(store: Store, world: readonly NodeSnapshot[], files: CaptureFiles): ProjectFinding[] {
  const captures = store.probeCaptures();
  if (captures.length === 0) return [];
  const clusterIPs = new Map<string, string>();
  for (const s of readTopology(store).services) {
    for (const ip of [s.clusterIP, ...s.externalIPs]) if (ip !== null && ip !== 'None') clusterIPs.set(ip, `${s.namespace}/${s.name}`);
  }
  const found: ProjectFinding[] = [];
  for (const c of captures) {
    for (const probe of store.probesOf(c.captureId)) {
      const f = probeFinding({ probe, node: c.node, netns: c.netns, sourceFile: c.sourceFile }, { world, files, serviceAt: (ip) => clusterIPs.get(ip) ?? null });
      if (f !== null) found.push(f);
    }
  }
  return found;
}
