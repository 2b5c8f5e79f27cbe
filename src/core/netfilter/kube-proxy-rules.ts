/**
 * The exact rules kube-proxy wrote for each service, out of a whole ruleset: its frontends in
 * KUBE-SERVICES / KUBE-NODEPORTS / KUBE-EXTERNAL-SERVICES, its KUBE-SVC-, -SVL-, -EXT-, -FW- and -XLB-
 * chains (tied by their shared hash), the KUBE-SEP- chains those balance over, and the filter table's
 * "has no endpoints" REJECTs. What a report shows for a service instead of the whole dump.
 */
import { serviceChainHash, serviceNameOf } from './kube-proxy';
import { commentOf, jumpTarget, type Chain, type Rule, type Ruleset, type TableName } from './ruleset';
import { someRuleText } from './rules-naming';

export interface KubeProxyRuleRef {
  table: TableName;
  chain: string;
  /** The rule as iptables-save prints it. */
  text: string;
  line: number;
}

export interface ServiceRules {
  /** `namespace/name`: every port of the service together. */
  service: string;
  /** In table order, then chain order, then rule order; at most the limit given. */
  rules: KubeProxyRuleRef[];
  /** Rules of the service beyond the limit, counted. */
  omitted: number;
}

/** `ns/name:port` (or `ns/name` for an unnamed port) → `ns/name`. */
export function serviceOfPortName(portName: string): string {
  const colon = portName.indexOf(':');
  return colon < 0 ? portName : portName.slice(0, colon);
}

function nameOfRule(rule: Rule): string | null {
  const comment = commentOf(rule.matches);
  const name = comment === null ? null : serviceNameOf(comment);
  return name === null ? null : serviceOfPortName(name);
}

/**
 * Rules per service (`namespace/name`), at most `limit` each. kube-proxy's comments name the service on
 * most rules but not all (KUBE-SVC's jump to KUBE-MARK-MASQ, an endpoint chain's KUBE-MARK-MASQ), so a
 * chain belongs to the service its hash or the chain jumping to it says.
 */
export function kubeProxyServiceRules(ruleset: Ruleset, limit: number): Map<string, ServiceRules> {
  const nat = ruleset.tables.find((t) => t.name === 'nat');
  const byHash = new Map<string, string>();
  const sepOwner = new Map<string, string>();
  const serviceChains: Chain[] = [];
  for (const chain of nat?.chains ?? []) {
    const own = serviceChainHash(chain.name);
    if (own !== null) serviceChains.push(chain);
    for (const rule of chain.rules) {
      const name = nameOfRule(rule);
      const jump = jumpTarget(rule.target);
      const to = jump === null ? null : serviceChainHash(jump);
      if (name !== null && own !== null && !byHash.has(own)) byHash.set(own, name);
      if (name !== null && to !== null && !byHash.has(to)) byHash.set(to, name);
    }
  }
  for (const chain of serviceChains) {
    const hash = serviceChainHash(chain.name)!;
    for (const rule of chain.rules) {
      const jump = jumpTarget(rule.target);
      if (jump?.startsWith('KUBE-SEP-') && !sepOwner.has(jump)) sepOwner.set(jump, hash);
    }
  }

  const out = new Map<string, ServiceRules>();
  const add = (service: string, table: TableName, chain: string, rule: Rule): void => {
    let entry = out.get(service);
    if (!entry) out.set(service, (entry = { service, rules: [], omitted: 0 }));
    if (entry.rules.length < limit) entry.rules.push({ table, chain, text: rule.text, line: rule.line });
    else entry.omitted++;
  };
  for (const table of ruleset.tables) {
    for (const chain of table.chains) {
      if (!chain.name.startsWith('KUBE-')) continue;
      const own = table.name === 'nat' ? serviceChainHash(chain.name) : null;
      const sepHash = table.name === 'nat' && chain.name.startsWith('KUBE-SEP-') ? sepOwner.get(chain.name) : undefined;
      const chainService = own !== null ? byHash.get(own) : sepHash !== undefined ? byHash.get(sepHash) : undefined;
      for (const rule of chain.rules) {
        let service = chainService ?? null;
        if (service === null) {
          const jump = table.name === 'nat' ? jumpTarget(rule.target) : null;
          const to = jump === null ? null : serviceChainHash(jump);
          service = (to === null ? null : byHash.get(to)) ?? nameOfRule(rule);
        }
        // A chain of no service (KUBE-MARK-MASQ, KUBE-POSTROUTING) is shared by all: not one service's.
        if (service !== null) add(service, table.name, chain.name, rule);
      }
    }
  }
  return out;
}

/** The first word of each `--comment` of a rule's text, as commentOf's comment would start (quoted or not). */
const COMMENT_WORD = /--comment "?([^\s"]+)/g;

/**
 * Whether any rule of `ruleset` names one of `services` (`namespace/name`) in its comment, read from the rules'
 * text alone: kubeProxyServiceRules ties every rule it lists to a service some comment of the same ruleset names,
 * so a ruleset for which this is false holds no rule of those services, and need not be parsed for them.
 */
export function namesAnyService(ruleset: Ruleset, services: ReadonlySet<string>): boolean {
  const named = (text: string): boolean => {
    for (const m of text.matchAll(COMMENT_WORD)) {
      const name = serviceNameOf(m[1]!);
      if (name !== null && services.has(serviceOfPortName(name))) return true;
    }
    return false;
  };
  return ruleset.tables.some((table) => someRuleText(table, '--comment', named));
}
