/**
 * Which interface a packet was captured on. A pcapng or `tcpdump -i any` capture names it per packet
 * (SLL2 gives only an ifindex, `if5`, which the node's `ip addr` turns into a name); a plain pcap or
 * tcpdump text does not, so the command that made it (`tcpdump -ni cbr0`) or, last, its file name
 * (`eth0.pcap`, `nodea-cbr0.txt`) says it, and last of all `natlens import --interface`. An interface chosen
 * in the UI outranks all but the packets' own. The answer carries where it came from.
 */
import path from 'node:path';
import { analyseCommand } from '../capture/transcript/command';
import type { InterfaceRecord } from '../records/records';
import type { InterfaceBasis } from '../views/flows';

export type { InterfaceBasis };

export interface InterfaceNaming {
  name: string | null;
  from: InterfaceBasis | null;
}

export interface CaptureOrigin {
  sourceFile: string;
  command: string | null;
  /** `natlens import --interface`, stored with the capture. */
  interface?: string | null;
  /** Chosen in the UI (`setCaptureInterface`), stored with the capture: outranks everything but the packets. */
  chosen?: string | null;
}

/** A packet capture's origin as flow stitching and the views read it: its file, its command and its stored detail. */
export function captureOrigin(sourceFile: string, command: string | null, detail: { interface?: string; chosenInterface?: string }): CaptureOrigin {
  return { sourceFile, command, interface: detail.interface ?? null, chosen: detail.chosenInterface ?? null };
}

/** tcpdump options that take a value (the value may be glued on or be the next word). */
const TCPDUMP_VALUE_FLAGS = new Set(['B', 'c', 'C', 'E', 'F', 'G', 'i', 'j', 'm', 'M', 'r', 's', 'T', 'V', 'w', 'W', 'y', 'z', 'Z', 'Q']);

const WELL_KNOWN = /^(eth|ens|enp|eno|em|wlan|wlp|cbr|cni|docker|br|veth|flannel|cali|tun|tap|wg|bond|vxlan|lo|kube-bridge|weave|virbr|tunl|gke|azv|eni|vlan)[\w.@-]*$/;

/** `-i X` / `-niX` / `--interface=X` and `-r FILE` of a tcpdump (or tshark) command line. */
export function tcpdumpArguments(command: string): { iface: string | null; readFile: string | null } {
  const info = analyseCommand(command);
  if (info.program !== 'tcpdump' && info.program !== 'tshark') return { iface: null, readFile: null };
  let iface: string | null = null;
  let readFile: string | null = null;
  const words = info.argv;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('--interface')) {
      iface = w.includes('=') ? w.slice(w.indexOf('=') + 1) : (words[++i] ?? null);
      continue;
    }
    if (!w.startsWith('-') || w.startsWith('--') || w.length < 2) continue;
    for (let j = 1; j < w.length; j++) {
      const flag = w[j]!;
      if (!TCPDUMP_VALUE_FLAGS.has(flag)) continue;
      const value = j + 1 < w.length ? w.slice(j + 1) : (words[++i] ?? null);
      if (flag === 'i') iface = value;
      if (flag === 'r') readFile = value;
      break;
    }
  }
  return { iface: iface === 'any' ? null : iface, readFile };
}

/**
 * The interface named by a file name's words (`eth0.pcap`, `nodea_cbr0.tcpdump.txt`, `tcpdump-cbr0.txt`,
 * `nodea-veth-a2.pcap`), if one of them is one. Words are cut at `.`, `_` and spaces; a word with hyphens
 * also stands for each hyphen-joined run of its parts, since interface names hold hyphens too. Known
 * interfaces of the node (its `ip addr`) decide; without them a name that looks like an interface does,
 * one ending in a digit first (`eth0` of `eth0-capture`), the longest first.
 */
export function interfaceFromFileName(file: string, known: ReadonlySet<string>): string | null {
  const words = path.basename(file).split(/[._\s]+/).filter((w) => w !== '');
  const candidates: string[] = [];
  for (const w of words) {
    const parts = w.split('-');
    for (let i = 0; i < parts.length; i++) {
      for (let j = parts.length; j > i; j--) {
        const c = parts.slice(i, j).join('-');
        if (c !== '' && c !== 'any') candidates.push(c);
      }
    }
  }
  const byLength = [...candidates].sort((a, b) => b.length - a.length);
  if (known.size > 0) return byLength.find((c) => known.has(c)) ?? null;
  const looks = byLength.filter((c) => WELL_KNOWN.test(c));
  return looks.find((c) => /\d$/.test(c)) ?? looks[0] ?? null;
}

/** Names the interface of every packet of one capture. */
export class CaptureInterfaces {
  private readonly byIndex = new Map<number, string>();
  private readonly names = new Set<string>();
  private readonly fallback: InterfaceNaming;

  constructor(origin: CaptureOrigin, interfaces: readonly InterfaceRecord[] | null) {
    for (const i of interfaces ?? []) {
      this.names.add(i.name);
      if (i.index !== null) this.byIndex.set(i.index, i.name);
    }
    const args = origin.command ? tcpdumpArguments(origin.command) : { iface: null, readFile: null };
    if (origin.chosen) this.fallback = { name: origin.chosen, from: 'chosen' };
    else if (args.iface) this.fallback = { name: args.iface, from: 'command' };
    else {
      const byName = interfaceFromFileName(args.readFile ?? origin.sourceFile, this.names);
      if (byName) this.fallback = { name: byName, from: 'file-name' };
      else this.fallback = origin.interface ? { name: origin.interface, from: 'import-option' } : { name: null, from: null };
    }
  }

  /** The packet's own interface field first (`if5` mapped through the node's ifindexes), else the capture's. */
  of(raw: string | null): InterfaceNaming {
    if (raw === null) return this.fallback;
    const m = /^if(\d+)$/.exec(raw);
    if (m) {
      const named = this.byIndex.get(Number(m[1]));
      if (named !== undefined) return { name: named, from: 'packet' };
    }
    return { name: raw, from: 'packet' };
  }
}
