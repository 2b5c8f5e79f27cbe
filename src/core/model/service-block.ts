/**
 * A capture's Kubernetes services (with their ports) and endpoints as two value tapes (value-tape.ts), stored in
 * one row: kube-proxy's chains give 10,000 services and 50,000 endpoints at once, which as rows with their
 * indexes took ~0.2 s to write. Records come back in the order they were written, with every field as given.
 *
 * Services: per service namespace, name, type, cluster IP, selector, line, the external IPs and the
 * load-balancer IPs (each a count and the strings), and its ports (a count, then name, port, protocol, target
 * port, node port each). Endpoints: per endpoint 1 and namespace, name, port name, line when these
 * differ from the previous endpoint's (kube-proxy gives a service port's endpoints together), else 0; then
 * address and port. The row says how many of each its tapes hold.
 */
import type { ServicePortRecord, ServiceRecord } from '../records/records';
import { DamagedTape, ValueTapeReader, ValueTapeWriter } from './value-tape';

/** One address behind a Kubernetes service port (`10.40.0.6:8080`), from kubectl or a KUBE-SEP DNAT. */
export interface EndpointRecord {
  namespace: string;
  name: string;
  portName: string | null;
  address: string;
  port: number | null;
  line: number;
}

export type K8sOrigin = 'kubectl' | 'kube-proxy';

export interface ServiceBlock {
  services: number;
  endpoints: number;
  serviceTape: Buffer;
  endpointTape: Buffer;
}

/** Endpoints are added one at a time as they are found; the services in one call, before or after them. */
export class ServiceBlockWriter {
  private readonly endpointTape = new ValueTapeWriter();
  private endpointCount = 0;
  /** The namespace, name, port name and line of the endpoint before (`lastLine` NaN: none yet). */
  private lastNamespace = '';
  private lastName = '';
  private lastPortName: string | null = null;
  private lastLine = Number.NaN;
  private serviceTape: Buffer | null = null;
  private serviceCount = 0;

  endpoint(e: EndpointRecord): void {
    this.endpointParts(e.namespace, e.name, e.portName, e.line, e.address, e.port);
  }

  /** endpoint() without the record: a caller with many endpoints need not make one each. */
  endpointParts(namespace: string, name: string, portName: string | null, line: number, address: string, port: number | null): void {
    const tape = this.endpointTape;
    // A NaN line never equals the last one, as with records: none yet (lastLine NaN) writes the header, as a NaN line does.
    if (namespace === this.lastNamespace && name === this.lastName && portName === this.lastPortName && line === this.lastLine) {
      tape.count(0);
    } else {
      tape.count(1);
      tape.str(namespace);
      tape.once(name);
      tape.str(portName);
      tape.num(line);
      this.lastNamespace = namespace;
      this.lastName = name;
      this.lastPortName = portName;
      this.lastLine = line;
    }
    tape.once(address);
    tape.num(port);
    this.endpointCount++;
  }

  services(services: readonly ServiceRecord[]): void {
    const tape = new ValueTapeWriter();
    for (const s of services) {
      tape.str(s.namespace);
      tape.once(s.name);
      tape.str(s.type);
      if (s.clusterIP === null) tape.str(null);
      else tape.once(s.clusterIP);
      tape.str(s.selector);
      tape.num(s.line);
      strings(tape, s.externalIPs);
      strings(tape, s.loadBalancerIPs);
      tape.count(s.ports.length);
      for (const p of s.ports) {
        tape.str(p.name);
        tape.num(p.port);
        tape.str(p.protocol);
        tape.str(p.targetPort);
        tape.num(p.nodePort);
      }
    }
    this.serviceTape = tape.finish();
    this.serviceCount = services.length;
  }

  /** Null when there is nothing to store. */
  finish(): ServiceBlock | null {
    if (this.serviceCount === 0 && this.endpointCount === 0) return null;
    const serviceTape = this.serviceTape ?? new ValueTapeWriter().finish();
    return { services: this.serviceCount, endpoints: this.endpointCount, serviceTape, endpointTape: this.endpointTape.finish() };
  }
}

function strings(tape: ValueTapeWriter, list: readonly string[]): void {
  tape.count(list.length);
  for (const s of list) tape.str(s);
}

/** The services of a tape that holds `count` of them, as the rows of a service read (rows/kubernetes.ts). */
export function decodeServices(tape: Buffer, count: number, origin: K8sOrigin): Array<ServiceRecord & { origin: K8sOrigin }> {
  const r = new ValueTapeReader(tape);
  const out: Array<ServiceRecord & { origin: K8sOrigin }> = [];
  while (!r.done) {
    const namespace = r.text();
    const name = r.text();
    const type = r.str();
    const clusterIP = r.str();
    const selector = r.str();
    const line = r.value();
    const externalIPs = readStrings(r);
    const loadBalancerIPs = readStrings(r);
    const ports: ServicePortRecord[] = [];
    for (let k = r.count(); k > 0; k--) {
      ports.push({ name: r.str(), port: r.value(), protocol: r.text() as ServicePortRecord['protocol'], targetPort: r.str(), nodePort: r.num() });
    }
    out.push({ origin, namespace, name, type, clusterIP, externalIPs, loadBalancerIPs, selector, line, ports });
  }
  if (out.length !== count) throw new DamagedTape(`${out.length} services where ${count} were stored`);
  return out;
}

function readStrings(r: ValueTapeReader): string[] {
  const out: string[] = [];
  for (let k = r.count(); k > 0; k--) out.push(r.text());
  return out;
}

/** The endpoints of a tape that holds `count` of them, as the rows of an endpoint read (rows/kubernetes.ts). */
export function decodeEndpoints(tape: Buffer, count: number, origin: K8sOrigin): Array<EndpointRecord & { origin: K8sOrigin }> {
  const r = new ValueTapeReader(tape);
  const out: Array<EndpointRecord & { origin: K8sOrigin }> = [];
  let namespace = '';
  let name = '';
  let portName: string | null = null;
  let line = 0;
  while (!r.done) {
    const changed = r.count();
    if (changed === 1) {
      namespace = r.text();
      name = r.text();
      portName = r.str();
      line = r.value();
    } else if (changed !== 0 || out.length === 0) {
      throw new DamagedTape(`endpoint ${out.length + 1} has no service`);
    }
    out.push({ origin, namespace, name, portName, address: r.text(), port: r.num(), line });
  }
  if (out.length !== count) throw new DamagedTape(`${out.length} endpoints where ${count} were stored`);
  return out;
}
