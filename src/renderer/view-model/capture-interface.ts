/**
 * What the Captures tab says about a packet capture's interface, and whether it offers to choose one: only when
 * the interface is not known or was guessed from the file name (or chosen before, so the choice can be changed).
 */
import type { CaptureInterfaceJson, CaptureRow, InterfaceBasisJson } from '../../shared/contract/api';
import type { NodeJson } from '../../shared/contract/contract-json';

const BASIS: Record<InterfaceBasisJson, string> = {
  packet: 'named in the packets',
  chosen: 'chosen here',
  command: 'from the tcpdump command',
  'file-name': 'guessed from the file name',
  'import-option': 'from import --interface',
};

export function interfaceLabel(iface: CaptureInterfaceJson): string {
  if (iface.named.length > 0) return `${iface.named.join(', ')} (${BASIS.packet})`;
  if (iface.name === null || iface.from === null) return 'not known';
  return `${iface.name} (${BASIS[iface.from]})`;
}

/** True when the UI offers to choose: the packets do not name it, and nothing but a guess (or an earlier choice) does. */
export function interfaceChoosable(iface: CaptureInterfaceJson): boolean {
  if (iface.named.length > 0) return false;
  return iface.from === null || iface.from === 'file-name' || iface.from === 'chosen' || iface.from === 'import-option';
}

/** The interfaces of the capture's node, offered as choices (any other name may be typed). */
export function interfaceChoices(capture: CaptureRow, nodes: readonly NodeJson[]): string[] {
  const node = nodes.find((n) => n.name === capture.node);
  return node === undefined ? [] : [...new Set(node.interfaces.map((i) => i.name))].sort();
}

/** A typed name as it would be sent: trimmed; null when it is not an interface name Linux accepts. */
export function typedInterface(text: string): string | null {
  const name = text.trim();
  return /^(?!\.\.?$)[^\s/:]{1,15}$/.test(name) ? name : null;
}
