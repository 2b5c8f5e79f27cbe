/** kube-proxy's conformance dumps of the v1 tracer, completed as the kernel-side setup of that era had them. */

/**
 * v1 dumps hold only kube-proxy's chains. Add what the kernel-side setup of that era had (README,
 * "Notes for an evaluator that follows the kernel"): the built-in jumps, and kubelet's
 * KUBE-MARK-DROP (mark 0x8000) with KUBE-FIREWALL dropping that mark.
 */
export function withBuiltinJumps(dump: string): string {
  const additions: Record<string, { declare: string[]; rules: string[] }> = {
    filter: {
      declare: [':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':KUBE-FIREWALL - [0:0]'],
      rules: [
        '-A INPUT -j KUBE-FIREWALL',
        '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
        '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
        '-A FORWARD -j KUBE-FIREWALL',
        '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
        '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
        '-A OUTPUT -j KUBE-FIREWALL',
        '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A KUBE-FIREWALL -m comment --comment "kubernetes firewall for dropping marked packets" -m mark --mark 0x8000/0x8000 -j DROP',
      ],
    },
    nat: {
      declare: [':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]', ':KUBE-MARK-DROP - [0:0]'],
      rules: [
        '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
        '-A KUBE-MARK-DROP -j MARK --or-mark 0x8000',
      ],
    },
  };
  const out: string[] = [];
  let table: string | null = null;
  for (const line of dump.split('\n')) {
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      out.push(line, ...(additions[table]?.declare ?? []));
      continue;
    }
    if (line.trim() === 'COMMIT' && table !== null) out.push(...(additions[table]?.rules ?? []));
    out.push(line);
  }
  return out.join('\n');
}
