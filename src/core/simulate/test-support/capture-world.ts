/** Tests only: a NodeSnapshot from the texts an engineer would paste (iptables-save, ip addr, ip route), through the real parsers. */
import { parseIpAddr } from '../../capture/iproute/ip-addr';
import { parseIpRoute } from '../../capture/iproute/ip-route';
import { parseIptablesSave } from '../../capture/iptables/iptables-save';
import type { NodeSnapshot } from '../node-snapshot';

export interface NodeTexts {
  iptables?: string;
  addr?: string;
  route?: string;
}

function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return lines.map((l) => l.slice(indent)).join('\n');
}

export function nodeFrom(name: string, texts: NodeTexts): NodeSnapshot {
  return {
    name,
    ruleset: texts.iptables !== undefined ? parseIptablesSave({ file: `${name}/iptables`, text: dedent(texts.iptables), firstLine: 1 }).ruleset : null,
    interfaces: texts.addr !== undefined ? parseIpAddr({ file: `${name}/addr`, text: dedent(texts.addr), firstLine: 1 }).interfaces : null,
    routes: texts.route !== undefined ? parseIpRoute({ file: `${name}/route`, text: dedent(texts.route), firstLine: 1 }).routes : null,
    rulesetSource: texts.iptables !== undefined ? `${name}/iptables` : null,
  };
}
