import type { InterfaceRecord, RouteRecord } from '../capture/records';
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
  /** Some capture listed every interface of the node (`ip addr`), not only some (`ip addr show lo`, `brctl show`). */
  interfacesComplete?: boolean;
  routes: RouteRecord[] | null;
}
