import type { CapturedSetting, InterfaceRecord, RouteRecord, RuleRecord } from '../records/records';
import type { Ruleset } from '../netfilter/ruleset';

/**
 * What the replay knows about one node: the captures it has, each possibly missing. A null field
 * means "not captured", never "empty"; the simulator goes as far as what is there allows.
 */
export interface NodeSnapshot {
  name: string;
  /** The IPv4 ruleset (iptables-save or a listing). */
  ruleset: Ruleset | null;
  /** The IPv6 ruleset (ip6tables-save), when captured. */
  ruleset6?: Ruleset | null;
  interfaces: InterfaceRecord[] | null;
  /**
   * `interfaces` lists every interface of the node (a full `ip addr`), not only those a fragment
   * such as `ip addr show eth0` named. Absent: true whenever interfaces were captured.
   */
  interfacesComplete?: boolean;
  routes: RouteRecord[] | null;
  /** The file the ruleset was read from: a rule's `line` is a line of it (assumptions cite `file:line`). */
  rulesetSource?: string | null;
  /** `ip rule` / `ip -6 rule`: the routing policy; null or absent when not captured (then local and main tables only). */
  rules?: RuleRecord[] | null;
  /**
   * Kernel settings (sysctl), the newest captured value of each key; null or absent when none was captured. A value of
   * null: the key does not exist on the node (its module is not loaded).
   */
  sysctls?: ReadonlyMap<string, CapturedSetting> | null;
}

