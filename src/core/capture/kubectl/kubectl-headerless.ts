/**
 * `kubectl get svc|ep|pods` rows without their header row, the columns named by the command
 * (kubectl-command.ts). kubectl's printers (pkg/printers/internalversion/printers.go) print
 *   services:  NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE [SELECTOR with -o wide]
 *   endpoints: NAME ENDPOINTS AGE                (ENDPOINTS may end `+ N more...`)
 *   pods:      NAME READY STATUS RESTARTS AGE [IP NODE NOMINATED-NODE READINESS-GATES with -o wide]
 *              (RESTARTS is `3 (5m ago)` since 1.22; the last two wide columns came in 1.11 and 1.12)
 * with NAMESPACE first under `-A` and LABELS last under `--show-labels`. Without the header the cells are
 * told apart by their shapes; a row that does not have them (another kubectl version's columns, a line
 * grep matched in something else) fails with its line, and the unit is kept as text.
 */
import { isIpAddress } from '../../common/ip';
import type { GetCommand, GetResource } from './kubectl-command';
import { endpointListOf, listOf, presentOrNull, servicePortOf, type Fail, type TableRecord } from './kubectl-get';
import { clipText } from '../capture-error';

export interface HeaderlessLayout {
  resource: GetResource;
  allNamespaces: boolean;
  namespace: string | null;
  wide: boolean;
  labels: boolean;
}

/** The layout of headerless rows printed by `get`; null when the command leaves it in doubt. */
export function headerlessLayoutOf(get: GetCommand | null): HeaderlessLayout | null {
  if (get === null || get.resource === null || !get.columnsKnown) return null;
  return { resource: get.resource, allNamespaces: get.allNamespaces, namespace: get.namespace, wide: get.wide, labels: get.labels };
}

const SERVICE_TYPES = new Set(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);
/** kubectl's HumanDuration (`5d`, `3m20s`, `2y`), or the unknown ages. */
const AGE = /^(?:(?:\d+[smhdy])+|<unknown>|<invalid>)$/;
const PORTS = /^(?:<none>|\d{1,5}(?::\d{1,5})?\/[A-Z]+(?:,\d{1,5}(?::\d{1,5})?\/[A-Z]+)*)$/;
const ENDPOINT = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*)(?::\d{1,5})?$/;
const NAME = /^[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?$/;

function columnsText(layout: HeaderlessLayout): string {
  const ns = layout.allNamespaces ? 'NAMESPACE ' : '';
  const labels = layout.labels ? ' LABELS' : '';
  switch (layout.resource) {
    case 'service': return `${ns}NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE${layout.wide ? ' SELECTOR' : ''}${labels}`;
    case 'endpoints': return `${ns}NAME ENDPOINTS AGE${labels}`;
    case 'pod': return `${ns}NAME READY STATUS RESTARTS AGE${layout.wide ? ' IP NODE [NOMINATED NODE] [READINESS GATES]' : ''}${labels}`;
    default: {
      const unreachable: never = layout.resource;
      return unreachable;
    }
  }
}

/** Whether `text` is shaped as one row of `layout` (no line number: for sniffing). */
export function isHeaderlessRow(layout: HeaderlessLayout, text: string): boolean {
  try {
    headerlessRecordOf(layout, text, 0, (reason) => { throw new RowMismatch(reason); });
    return true;
  } catch (e) {
    if (e instanceof RowMismatch) return false;
    throw e;
  }
}

class RowMismatch extends Error {}

export function headerlessRecordOf(layout: HeaderlessLayout, text: string, line: number, fail: Fail): TableRecord {
  const words = text.trim().split(/\s+/);
  const mismatch = (what: string): never =>
    fail(`row without its header does not have the columns \`kubectl get\` prints here (${columnsText(layout)}): ${what}`);
  if (layout.labels) words.pop();
  const namespace = layout.allNamespaces ? (words.shift() ?? '') : (layout.namespace ?? 'default');
  const name = words.shift() ?? '';
  if (!NAME.test(namespace)) mismatch(`"${clip(namespace)}" is no namespace`);
  if (!NAME.test(name)) mismatch(`"${clip(name)}" is no name`);
  switch (layout.resource) {
    case 'service': {
      const want = layout.wide ? 5 : 4;
      if (words.length !== want + 1) mismatch(`${words.length} cells after NAME, not ${want + 1}`);
      const [type = '', clusterIP = '', external = '', ports = '', age = '', selector] = words;
      if (!SERVICE_TYPES.has(type)) mismatch(`"${clip(type)}" is no service type`);
      if (clusterIP !== 'None' && clusterIP !== '<none>' && !clusterIP.split(',').every(isIpAddress)) mismatch(`"${clip(clusterIP)}" is no cluster IP`);
      if (!PORTS.test(ports)) mismatch(`"${clip(ports)}" is no list of ports`);
      if (!AGE.test(age)) mismatch(`"${clip(age)}" is no age`);
      const ip = presentOrNull(clusterIP);
      const externals = listOf(external);
      return {
        kind: 'service',
        record: {
          namespace, name, type,
          // A dual-stack service prints both families' cluster IPs; the first is spec.clusterIP.
          clusterIP: ip === null || ip === 'None' ? null : (ip.split(',')[0] ?? null),
          externalIPs: type === 'LoadBalancer' ? [] : externals,
          loadBalancerIPs: type === 'LoadBalancer' ? externals : [],
          ports: listOf(ports).map((p) => servicePortOf(p, fail)),
          selector: selector === undefined ? null : presentOrNull(selector),
          line,
        },
      };
    }
    case 'endpoints': {
      const age = words.pop() ?? '';
      if (!AGE.test(age)) mismatch(`"${clip(age)}" is no age`);
      const [list = '', ...more] = words;
      const elided = more.length === 3 && more[0] === '+' && /^\d+$/.test(more[1]!) && more[2] === 'more...';
      if (more.length !== 0 && !elided) mismatch(`"${clip(words.join(' '))}" is no list of endpoints`);
      if (list !== '<none>' && list !== '<unset>' && !list.split(',').every((e) => ENDPOINT.test(e))) mismatch(`"${clip(list)}" is no list of endpoints`);
      return { kind: 'endpoints', record: { namespace, name, endpoints: endpointListOf(words.join(' ')), line } };
    }
    case 'pod': {
      const [ready = '', status = '', restarts = ''] = words.splice(0, 3);
      if (!/^\d+\/\d+$/.test(ready)) mismatch(`"${clip(ready)}" is no READY count`);
      if (!/^\d+$/.test(restarts)) mismatch(`"${clip(restarts)}" is no RESTARTS count`);
      // `3 (5m ago)`: the last restart's age, since kubectl 1.22.
      if (/^\(\S+$/.test(words[0] ?? '') && words[1] === 'ago)') words.splice(0, 2);
      const age = words.shift() ?? '';
      if (!AGE.test(age)) mismatch(`"${clip(age)}" is no age`);
      let ip: string | null = null;
      let node: string | null = null;
      if (layout.wide) {
        const [podIP = '', nodeName = '', ...extra] = words;
        if (podIP !== '<none>' && !isIpAddress(podIP)) mismatch(`"${clip(podIP)}" is no pod IP`);
        if (nodeName !== '<none>' && !NAME.test(nodeName)) mismatch(`"${clip(nodeName)}" is no node name`);
        if (extra.length > 2) mismatch(`${extra.length} cells after NODE, at most 2`);
        ip = presentOrNull(podIP);
        node = presentOrNull(nodeName);
      } else if (words.length > 0) mismatch(`${words.length} cells after AGE`);
      return { kind: 'pod', record: { namespace, name, status: presentOrNull(status), ip, node, line } };
    }
    default: {
      const unreachable: never = layout.resource;
      return unreachable;
    }
  }
}

/** A cell quoted in a message: cells are short, so a long one is cut sooner than a whole line. */
const clip = (text: string): string => clipText(text, 60);
