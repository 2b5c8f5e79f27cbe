/**
 * Test projects for the report: the kernel lab's two nodes, one node whose captures hold every kind of finding, and a
 * node underlay's capture of pod traffic inside VXLAN (test/fixtures/pcap-overlay).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stitchFlows } from '../project/flows-stitch';
import { importPaths } from '../import/import-paths';
import { Store } from '../model/store';
import { afterAll, beforeAll } from 'vitest';
import { ipAddrText } from '../../../test/support/ip-addr-text';

export const LAB_NODES = path.join(process.cwd(), 'test', 'fixtures', 'lab', 'nodes');
export const OVERLAY_VXLAN = path.join(process.cwd(), 'test', 'fixtures', 'pcap-overlay', 'overlay-vxlan-8472.pcap');

export const FINDINGS_CAPTURES: Record<string, string> = {
  'iptables-save.txt': `*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
-A INPUT -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.96.0.50/32 -p tcp -m comment --comment "default/<script>alert(1)</script>:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
-A KUBE-SERVICES -d 10.96.0.51/32 -p tcp -m comment --comment "default/сервис-服务-ελληνικά:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
COMMIT
`,
  'conntrack.txt': `tcp      6 118 SYN_SENT src=10.40.1.3 dst=10.96.0.50 sport=40100 dport=80 [UNREPLIED] src=10.96.0.50 dst=10.40.1.3 sport=80 dport=40100 mark=0 use=1
`,
  'kubectl.txt': `NAMESPACE   NAME             TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE
default     service/lonely   ClusterIP   10.96.0.60   <none>        80/TCP         1d
default     service/web      NodePort    10.96.0.70   <none>        80:30070/TCP   1d

NAME                   READY   STATUS    RESTARTS   AGE   IP           NODE   NOMINATED NODE   READINESS GATES
web-7d4b9c-abcde       1/1     Running   0          2d    10.40.1.7    edge   <none>           <none>

NAME     ENDPOINTS        AGE
lonely   <none>           1d
web      10.40.1.7:8080   2d
`,
  'ip-addr.txt': ipAddrText([
    { name: 'eth0', mac: '52:54:00:12:34:56', cidr: '10.40.1.1/24' },
    { name: 'eth1', mac: '52:54:00:12:34:57', cidr: '10.20.0.1/24' },
  ]),
  'ip-route.txt': `default via 10.20.0.9 dev eth1
10.20.0.0/24 dev eth1 proto kernel scope link src 10.20.0.1
10.40.1.0/24 dev eth0 proto kernel scope link src 10.40.1.1
`,
  'eth0.tcpdump.txt': `1795473825.100000 IP 10.40.1.3.40200 > 10.40.2.9.8080: Flags [S], seq 1, win 64240, length 0
1795473826.100000 IP 10.40.1.3.40200 > 10.40.2.9.8080: Flags [S], seq 1, win 64240, length 0
`,
};

/** A folder holding node `nodea` with its underlay capture `ul0.pcap`: pod connections inside VXLAN vni 1. */
export function writeOverlayNode(dir: string): string {
  const node = path.join(dir, 'overlay', 'nodea');
  fs.mkdirSync(node, { recursive: true });
  fs.copyFileSync(OVERLAY_VXLAN, path.join(node, 'ul0.pcap'));
  return node;
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'natlens-report-'));
}

/** A folder holding node `edge` with FINDINGS_CAPTURES. */
export function writeFindingsNode(dir: string): string {
  const node = path.join(dir, 'captures', 'edge');
  fs.mkdirSync(node, { recursive: true });
  for (const [name, text] of Object.entries(FINDINGS_CAPTURES)) fs.writeFileSync(path.join(node, name), text);
  return path.join(dir, 'captures');
}

/** A stitched project database at `dir/name` from `paths`. */
export function projectOf(dir: string, name: string, paths: readonly string[]): Store {
  const store = Store.open(path.join(dir, name));
  const report = importPaths(store, paths);
  if (report.errors.length > 0) throw new Error(`fixture import failed: ${JSON.stringify(report.errors)}`);
  stitchFlows(store);
  return store;
}

export interface ReportProjects {
  dir: string;
  /** The kernel lab's two nodes. */
  lab: Store;
  /** Node `edge` with FINDINGS_CAPTURES. */
  edge: Store;
  /** Node `nodea` with writeOverlayNode's VXLAN capture. */
  overlay: Store;
}

/** Opens the lab and edge projects in a temp folder before the file's tests (handing them to `use`) and removes them after. */
export function useReportProjects(use: (projects: ReportProjects) => void): void {
  let projects: ReportProjects | null = null;
  beforeAll(() => {
    const dir = tempDir();
    projects = {
      dir, lab: projectOf(dir, 'lab.db', [LAB_NODES]), edge: projectOf(dir, 'edge.db', [writeFindingsNode(dir)]),
      overlay: projectOf(dir, 'overlay.db', [writeOverlayNode(dir)]),
    };
    use(projects);
  });
  afterAll(() => {
    if (projects === null) return;
    projects.lab.close();
    projects.edge.close();
    projects.overlay.close();
    fs.rmSync(projects.dir, { recursive: true, force: true });
  });
}
