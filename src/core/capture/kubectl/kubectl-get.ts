/** `kubectl get svc|endpoints|pods` tables: columns located from the header row, rows turned into records. */
import type { EndpointsRecord, PodRecord, ServicePortRecord, ServiceRecord } from '../../records/records';

export type Fail = (reason: string) => never;

export type TableKind = 'service' | 'endpoints' | 'endpointslice' | 'pod' | 'other';

export interface TableLayout {
  kind: TableKind;
  names: string[];
  /** Column where each header cell starts; a row's cells start at (or after) the same columns. */
  starts: number[];
}

export type TableRecord =
  | { kind: 'service'; record: ServiceRecord }
  | { kind: 'endpoints'; record: EndpointsRecord }
  | { kind: 'pod'; record: PodRecord }
  | { kind: 'skipped' };

const HEADER_CELL = /^[A-Z][A-Z0-9()_./-]*(?: [A-Z][A-Z0-9()_./-]*)*$/;

/** A header row: upper-case cells separated by two or more spaces, the first NAME or NAMESPACE (after EVENT: `get -w --output-watch-events`). */
export function tableLayoutOf(text: string): TableLayout | null {
  if (text.length > 1000 || !/^(?:EVENT\s+)?(?:NAME|NAMESPACE)\s/.test(text)) return null;
  const names: string[] = [];
  const starts: number[] = [];
  const cell = /\S+(?: \S+)*/g;
  for (let m = cell.exec(text); m !== null; m = cell.exec(text)) {
    if (!HEADER_CELL.test(m[0])) return null;
    // kubectl before 1.2 printed CLUSTER_IP / EXTERNAL_IP.
    names.push(m[0].replace(/_/g, '-'));
    starts.push(m.index);
  }
  if (names.length < 2) return null;
  return { kind: tableKindOf(names), names, starts };
}

function tableKindOf(names: string[]): TableKind {
  // kubectl 1.0 named the cluster IP column IP(S).
  if (names.includes('CLUSTER-IP') || (names.includes('IP(S)') && names.includes('PORT(S)'))) return 'service';
  if (names.includes('ENDPOINTS') && names.includes('ADDRESSTYPE')) return 'endpointslice';
  if (names.includes('ENDPOINTS')) return 'endpoints';
  if (names.includes('READY') && names.includes('STATUS') && names.includes('RESTARTS')) return 'pod';
  return 'other';
}

/**
 * Cells of a row. When the row has exactly one word per column they are taken in order, a parenthesised aside
 * (RESTARTS `1 (5m ago)`) kept with the word before it; otherwise (an empty cell) each word goes to the column it
 * starts under. A watch's later rows (`get -w`) are aligned each on its own, not under the header: only the first way reads them.
 */
export function cellsOf(layout: TableLayout, text: string): Map<string, string> {
  const words: { start: number; text: string }[] = [];
  const word = /\S+/g;
  for (let m = word.exec(text); m !== null; m = word.exec(text)) words.push({ start: m.index, text: m[0] });
  const cells = new Map<string, string>();
  const inOrder = words.length === layout.names.length ? words : withAsides(words);
  if (inOrder.length === layout.names.length) {
    layout.names.forEach((name, i) => cells.set(name, inOrder[i]?.text ?? ''));
    return cells;
  }
  let column = 0;
  for (const w of words) {
    while (column + 1 < layout.starts.length && (layout.starts[column + 1] ?? Infinity) <= w.start) column++;
    const name = layout.names[column] ?? '';
    const before = cells.get(name);
    cells.set(name, before === undefined ? w.text : `${before} ${w.text}`);
  }
  return cells;
}

/** Words with each `(...)` group joined to the word before it: `1`, `(5m`, `ago)` → `1 (5m ago)`. */
function withAsides(words: ReadonlyArray<{ start: number; text: string }>): Array<{ start: number; text: string }> {
  const out: Array<{ start: number; text: string }> = [];
  let open = false;
  for (const w of words) {
    const last = out[out.length - 1];
    if (last !== undefined && (open || w.text.startsWith('('))) {
      last.text = `${last.text} ${w.text}`;
      open = !w.text.endsWith(')');
      continue;
    }
    out.push({ ...w });
  }
  return out;
}

/** `service/hello` → kind and bare name; kinds other than the table's are skipped. */
function splitName(qualified: string): { prefix: string | null; name: string } {
  const slash = qualified.indexOf('/');
  if (slash < 0) return { prefix: null, name: qualified };
  return { prefix: qualified.slice(0, slash).split('.')[0] ?? '', name: qualified.slice(slash + 1) };
}

const PREFIXES: Record<Exclude<TableKind, 'other'>, readonly string[]> = {
  service: ['service', 'svc'],
  endpoints: ['endpoints', 'ep'],
  endpointslice: ['endpointslice', 'endpointslices'],
  pod: ['pod', 'po'],
};

/** `namespace`: the one `kubectl get -n NS` listed, for a table without a NAMESPACE column. */
export function recordOfRow(layout: TableLayout, text: string, line: number, fail: Fail, namespace: string | null = null): TableRecord {
  const cells = cellsOf(layout, text);
  const qualified = cells.get('NAME') ?? '';
  if (qualified === '') fail('kubectl row without a NAME');
  if (layout.kind === 'other') return { kind: 'skipped' };
  const { prefix, name } = splitName(qualified);
  if (prefix !== null && !PREFIXES[layout.kind].includes(prefix)) return { kind: 'skipped' };
  if (name === '') fail(`kubectl row without a name after "${prefix ?? ''}/"`);
  const rowNamespace = cells.get('NAMESPACE') ?? namespace ?? 'default';
  switch (layout.kind) {
    case 'service': {
      const type = presentOrNull(cells.get('TYPE'));
      const external = listOf(cells.get('EXTERNAL-IP'));
      const clusterIP = presentOrNull(cells.get('CLUSTER-IP') ?? cells.get('IP(S)'));
      return {
        kind: 'service',
        record: {
          namespace: rowNamespace, name, type,
          clusterIP: clusterIP === 'None' ? null : clusterIP,
          // The EXTERNAL-IP column merges spec.externalIPs and load-balancer ingress; the type says which it is.
          externalIPs: type === 'LoadBalancer' ? [] : external,
          loadBalancerIPs: type === 'LoadBalancer' ? external : [],
          ports: listOf(cells.get('PORT(S)')).map((p) => servicePortOf(p, fail)),
          selector: presentOrNull(cells.get('SELECTOR')),
          line,
        },
      };
    }
    case 'endpoints':
      return { kind: 'endpoints', record: { namespace: rowNamespace, name, endpoints: endpointListOf(cells.get('ENDPOINTS') ?? ''), line } };
    case 'endpointslice':
      return {
        kind: 'endpoints',
        record: { namespace: rowNamespace, name: serviceOfSlice(name), endpoints: sliceEndpointsOf(cells.get('ENDPOINTS') ?? '', cells.get('PORTS') ?? '', fail), line },
      };
    case 'pod':
      return {
        kind: 'pod',
        record: {
          namespace: rowNamespace, name,
          status: presentOrNull(cells.get('STATUS')),
          ip: presentOrNull(cells.get('IP')),
          node: presentOrNull(cells.get('NODE')),
          line,
        },
      };
    default: {
      const unreachable: never = layout.kind;
      return unreachable;
    }
  }
}

/**
 * The service an EndpointSlice belongs to: the endpoint-slice controller names slices `SERVICE-xxxxx`
 * (generateName, five random characters); the API server's own slice for `kubernetes` has no suffix.
 */
function serviceOfSlice(slice: string): string {
  const m = /^(.+)-[a-z0-9]{5}$/.exec(slice);
  return m === null ? slice : m[1]!;
}

/** A slice row lists addresses and ports apart (`10.1.2.3,10.1.2.4 + 1 more...`, `80,443`): every address serves every port. */
function sliceEndpointsOf(addressCell: string, portCell: string, fail: Fail): string[] {
  const addresses = endpointListOf(addressCell);
  const ports = [...new Set(listOf(portCell))];
  for (const p of ports) portNumberOf(p, fail);
  if (ports.length === 0) return addresses;
  return addresses.flatMap((a) => ports.map((p) => (a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`)));
}

/** `<none>`, `<pending>`, `<unknown>` and empty cells carry no value. */
export function presentOrNull(cell: string | undefined): string | null {
  if (cell === undefined) return null;
  const v = cell.trim();
  return v === '' || (v.startsWith('<') && v.endsWith('>')) ? null : v;
}

export function listOf(cell: string | undefined): string[] {
  const v = presentOrNull(cell);
  if (v === null) return [];
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '' && !(s.startsWith('<') && s.endsWith('>')));
}

/** `10.40.0.6:8080,10.40.1.5:8080 + 1 more...`: kubectl cuts long lists; only the shown endpoints are known. */
export function endpointListOf(cell: string): string[] {
  const shown = cell.trim().split(/\s+/)[0] ?? '';
  return listOf(shown);
}

export function protocolOf(text: string, fail: Fail): ServicePortRecord['protocol'] {
  if (text === 'TCP' || text === 'UDP' || text === 'SCTP') return text;
  return fail(`not a service protocol: "${text}"`);
}

/** A port number of a service, node port or endpoint: 0..65535. */
export function portNumberOf(digits: string, fail: Fail): number {
  const n = Number(digits);
  if (!/^\d{1,5}$/.test(digits) || n > 65535) fail(`port ${digits.slice(0, 40)} out of range 0..65535`);
  return n;
}

/** `80:31830/TCP` (port:nodePort/proto) or `443/TCP`. */
export function servicePortOf(text: string, fail: Fail): ServicePortRecord {
  const m = /^(\d{1,5})(?::(\d{1,5}))?\/([A-Z]+)$/.exec(text);
  if (!m) fail(`not a service port: "${text.slice(0, 40)}"`);
  const parts = m as RegExpExecArray;
  return {
    name: null,
    port: portNumberOf(parts[1] ?? '', fail),
    protocol: protocolOf(parts[3] ?? '', fail),
    targetPort: null,
    nodePort: parts[2] !== undefined ? portNumberOf(parts[2], fail) : null,
  };
}
