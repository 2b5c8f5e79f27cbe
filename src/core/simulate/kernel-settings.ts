/**
 * The kernel settings (sysctl) that decide a packet's fate in the replay, read from a node's captured values: whether it
 * forwards, how strictly it checks a source against its routes (rp_filter), whether bridged frames cross iptables. Each
 * answer names the key and the `file:line` it was read from; null when the captures do not hold it.
 */
import type { Family } from '../common/ip';
import type { CapturedSetting } from '../records/records';
import type { NodeSnapshot } from './node-snapshot';

/** What the settings are read from: a compiled node, or a snapshot wrapped as one (`{ snapshot }`). */
type Node = { snapshot: NodeSnapshot };

export interface SettingValue<T> {
  value: T;
  key: string;
  source: string;
}

function setting(node: Node, key: string): (CapturedSetting & { key: string }) | null {
  const found = node.snapshot.sysctls?.get(key);
  return found === undefined ? null : { ...found, key };
}

/** A 0/1 (or any integer) setting; null when not captured or not a number (a key that does not exist is not 0 here). */
function integer(node: Node, key: string): SettingValue<number> | null {
  const s = setting(node, key);
  if (s === null || s.value === null || !/^-?\d+$/.test(s.value)) return null;
  return { value: Number(s.value), key, source: s.source };
}

/** The form `sysctl` names an interface in: a dot in its name becomes `/` (eth0.100 → eth0/100). */
function ifaceKey(iface: string): string {
  return iface.replaceAll('.', '/');
}

/**
 * Whether a packet that came in on `iface` may be forwarded. IPv4: the in-device's `forwarding` (ip_route_input_slow's
 * IN_DEV_FORWARD); `net.ipv4.ip_forward` and `conf.all.forwarding` set every device's when written, so they stand for
 * it when the device's own is not captured. IPv6: `conf.all.forwarding`, unless the device's `force_forwarding` is on (ip6_forward).
 */
export function forwarding(node: Node, family: Family, iface: string): SettingValue<boolean> | null {
  if (family === 'ipv6') {
    // ip6_forward: conf.all.forwarding, or the in-device's force_forwarding (Linux 6.17+).
    const forced = integer(node, `net.ipv6.conf.${ifaceKey(iface)}.force_forwarding`);
    if (forced !== null && forced.value !== 0) return { value: true, key: forced.key, source: forced.source };
  }
  const keys = family === 'ipv4'
    ? [`net.ipv4.conf.${ifaceKey(iface)}.forwarding`, 'net.ipv4.conf.all.forwarding', 'net.ipv4.ip_forward']
    : ['net.ipv6.conf.all.forwarding'];
  for (const key of keys) {
    const found = integer(node, key);
    if (found !== null) return { value: found.value !== 0, key: found.key, source: found.source };
  }
  return null;
}

export type RpFilterMode = 0 | 1 | 2;

/**
 * The reverse-path filter in force on `iface` (IPv4 only): the larger of `conf.all.rp_filter` and the device's own
 * (IN_DEV_RPFILTER takes the max). The setting that gave the larger value is the one named. Null when neither is
 * captured, or only a 0 of one of them (the other may be higher).
 */
export function rpFilter(node: Node, iface: string): SettingValue<RpFilterMode> | null {
  const all = integer(node, 'net.ipv4.conf.all.rp_filter');
  const own = integer(node, `net.ipv4.conf.${ifaceKey(iface)}.rp_filter`);
  const known = [all, own].filter((s): s is SettingValue<number> => s !== null);
  if (known.length === 0) return null;
  const top = known.reduce((a, b) => (b.value > a.value ? b : a));
  if (top.value === 0 && known.length < 2) return null;
  const mode: RpFilterMode = top.value <= 0 ? 0 : top.value === 1 ? 1 : 2;
  return { value: mode, key: top.key, source: top.source };
}

/**
 * Whether bridged frames of `family` cross iptables (`net.bridge.bridge-nf-call-iptables` / `-ip6tables`): a key the
 * node does not have (br_netfilter not loaded) is off. Null when not captured.
 */
export function bridgeNetfilterSetting(node: Node, family: Family): SettingValue<boolean> | null {
  const key = `net.bridge.bridge-nf-call-${family === 'ipv4' ? 'iptables' : 'ip6tables'}`;
  const s = setting(node, key);
  if (s === null) return null;
  if (s.value === null) return { value: false, key, source: s.source };
  return /^\d+$/.test(s.value) ? { value: Number(s.value) !== 0, key, source: s.source } : null;
}

/** `net.ipv4.conf.<iface>.route_localnet` (or `all`'s): a 127/8 destination arriving from outside is routed, not dropped as martian. */
export function routeLocalnet(node: Node, iface: string): SettingValue<boolean> | null {
  const own = integer(node, `net.ipv4.conf.${ifaceKey(iface)}.route_localnet`);
  const all = integer(node, 'net.ipv4.conf.all.route_localnet');
  const on = [own, all].find((s) => s !== null && s.value !== 0) ?? null;
  if (on !== null) return { value: true, key: on.key, source: on.source };
  // IN_DEV_ROUTE_LOCALNET is the OR of the two: off only when both are captured off.
  return own === null || all === null ? null : { value: false, key: own.key, source: own.source };
}

/** `key=value (file:line)`: how a replay reason cites a setting. */
export function cite(s: SettingValue<unknown>, shown: string): string {
  return `${s.key}=${shown} (${s.source})`;
}
