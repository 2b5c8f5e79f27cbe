/** Tests only: a NodeSnapshot from the texts an engineer would paste (iptables-save, ip addr, ip route), through the real parsers. */
import { parseIpAddr } from '../../capture/iproute/ip-addr';
import { parseIpRoute } from '../../capture/iproute/ip-route';
import { parseIptablesSave } from '../../capture/iptables/iptables-save';
import { parseSysctl } from '../../capture/sysctl/sysctl';
import type { CapturedSetting } from '../../records/records';
import type { NodeSnapshot } from '../node-snapshot';

export interface NodeTexts {
  iptables?: string;
  addr?: string;
  route?: string;
  /** `sysctl` output (`key = value` lines): each key's last value, cited `name/sysctl:line`. */
  sysctl?: string;
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
    sysctls: texts.sysctl !== undefined ? sysctlsFrom(`${name}/sysctl`, dedent(texts.sysctl)) : null,
  };
}

function sysctlsFrom(file: string, text: string): ReadonlyMap<string, CapturedSetting> {
  const out = new Map<string, CapturedSetting>();
  for (const s of parseSysctl({ file, text, firstLine: 1 }).settings) out.set(s.key, { value: s.value, source: `${file}:${s.line}` });
  return out;
}

/** A link of a test node as `ip addr` shows it: its address lines as printed (`inet 10.0.0.5/24 scope global eth0`). */
export interface AddrLink {
  name: string;
  mac: string;
  lines: readonly string[];
}

/** `ip addr` (iproute2's short form) of a node with `lo` and `links`, numbered from 2 as the kernel does. */
export function addrText(...links: readonly AddrLink[]): string {
  const out = [
    '1: lo: <LOOPBACK,UP> mtu 65536 state UNKNOWN',
    '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
    '    inet 127.0.0.1/8 scope host lo',
  ];
  links.forEach((link, i) => {
    out.push(`${i + 2}: ${link.name}: <BROADCAST,UP> mtu 1500 state UP`, `    link/ether ${link.mac} brd ff:ff:ff:ff:ff:ff`, ...link.lines.map((l) => `    ${l}`));
  });
  return `${out.join('\n')}\n`;
}
