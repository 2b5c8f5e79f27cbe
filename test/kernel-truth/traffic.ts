/**
 * Real TCP traffic between lab namespaces: one-shot python3 servers that answer every connection
 * with their pod's name, and a client that makes connections from fixed source ports (so the
 * trace can replay exactly the packet the kernel saw) and reports what happened to each.
 */
import type { Lab } from './netns';

const PYTHON = '/usr/bin/python3';

const SERVER = `
import socket, sys, time
name, port, life, proto = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
s = socket.socket(type=socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port))
if proto == "tcp":
    s.listen(16)
print("READY", flush=True)
end = time.time() + life
while time.time() < end:
    s.settimeout(max(0.05, end - time.time()))
    try:
        if proto == "udp":
            _, peer = s.recvfrom(100)
            s.sendto((name + "\\n").encode(), peer)
            continue
        c, _ = s.accept()
    except socket.timeout:
        break
    try:
        c.sendall((name + "\\n").encode())
    finally:
        c.close()
`;

const CLIENT = `
import json, socket, sys
out = []
for f in json.loads(sys.stdin.read()):
    udp = f.get("proto") == "udp"
    s = socket.socket(type=socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    r = {"sport": f["sport"], "src": None, "result": "error", "reply": None, "error": None}
    try:
        s.bind(("0.0.0.0", f["sport"]))
        s.settimeout(f["timeout"])
        s.connect((f["dst"], f["dport"]))
        r["src"] = s.getsockname()[0]
        if udp:
            s.send(b"hello\\n")
        data = b""
        while not data.endswith(b"\\n"):
            chunk = s.recv(100)
            if not chunk:
                break
            data += chunk
        r["result"] = "reply"
        r["reply"] = data.decode().strip()
    except ConnectionRefusedError as e:
        r["result"], r["error"] = "refused", str(e)
    except socket.timeout as e:
        r["result"], r["error"] = "timeout", str(e)
    except OSError as e:
        r["result"], r["error"] = "error", str(e)
    finally:
        if r["src"] is None:
            try:
                r["src"] = s.getsockname()[0]
            except OSError:
                pass
        s.close()
    out.append(r)
print(json.dumps(out))
`;

export interface Connection {
  /** Default tcp. A UDP "connection" is one datagram and its answer. */
  proto?: 'tcp' | 'udp';
  sport: number;
  dst: string;
  dport: number;
  /** Seconds to wait for the connection and its answer. */
  timeout: number;
}

export type ConnectionResult =
  | { sport: number; src: string; result: 'reply'; reply: string; error: null }
  | { sport: number; src: string | null; result: 'refused' | 'timeout' | 'error'; reply: null; error: string };

/** Start a server answering on `port` in each role's namespace; resolves once all listen. */
export async function startServers(lab: Lab, roles: string[], port: number, lifeSeconds: number, proto: 'tcp' | 'udp' = 'tcp'): Promise<void> {
  await Promise.all(roles.map((role) => new Promise<void>((resolve, reject) => {
    const child = lab.spawn(role, [PYTHON, '-c', SERVER, role, String(port), String(lifeSeconds), proto]);
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`server in ${role} did not start: ${err}`)), 10_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!out.includes('READY')) reject(new Error(`server in ${role} exited (${code}): ${err}`));
    });
  })));
}

/** Make the connections one after another from the role's namespace. */
export function connect(lab: Lab, role: string, connections: Connection[]): ConnectionResult[] {
  const run = lab.exec(role, [PYTHON, '-c', CLIENT], JSON.stringify(connections));
  if (run.code !== 0) throw new Error(`client in ${role} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as ConnectionResult[];
}
