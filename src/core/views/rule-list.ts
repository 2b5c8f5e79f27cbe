/** A page of a node's iptables rules (the listRules operation): one capture's rules in printed order, filtered. */
export interface RuleListRow {
  /** Place in the capture's whole list (0-based, as the capture printed them), so a filtered row keeps its number. */
  index: number;
  family: 'ipv4' | 'ipv6';
  table: string;
  chain: string;
  /** 1-based position in its chain. */
  position: number;
  /** The line of the capture it was read from. */
  line: number;
  /** The rule as iptables-save prints it (`-A CHAIN ...`), or the listing's line. */
  text: string;
  /** The target as iptables names it (`DNAT`, `KUBE-SEP-X`); null for none. */
  target: string | null;
  packets: number | null;
  bytes: number | null;
}

export interface RuleListCapture {
  id: number;
  kind: 'iptables-save' | 'iptables-list' | 'nft-ruleset';
  /** `file:line` of the capture. */
  source: string;
  takenAt: string | null;
}

export interface RuleListPage {
  node: string;
  /** The capture listed; null when the node has no iptables capture. */
  capture: RuleListCapture | null;
  /** The node's iptables captures, newest first: what else could be listed. */
  captures: RuleListCapture[];
  offset: number;
  /** Rules matching the filter. */
  total: number;
  /** Rules in the capture, filtered or not. */
  unfiltered: number;
  rules: RuleListRow[];
}
