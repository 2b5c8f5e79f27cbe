/**
 * Network namespaces owned by one kernel-truth scenario. Every name starts with `nlkt-` and a
 * suffix unique to this process and scenario; nothing here touches the host's own interfaces,
 * routes or rules: links are created inside our namespaces (`ip -n`), commands run inside them
 * (`ip netns exec`), and `dispose()` deletes exactly the namespaces and kills exactly the
 * processes this lab created.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

export const NS_PREFIX = 'nlkt-';
const COMMAND_TIMEOUT_MS = 15_000;

/** Why the suite cannot run here, or null when it can (root, `ip netns`, iptables, conntrack, python3). */
export function kernelLabUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not running as root';
  for (const tool of ['/usr/bin/python3']) if (!existsSync(tool)) return `${tool} is missing`;
  const probe = `${NS_PREFIX}probe-${process.pid}-${randomBytes(2).toString('hex')}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe', timeout: COMMAND_TIMEOUT_MS });
  } catch (e) {
    return `ip netns add failed: ${firstLine(e)}`;
  }
  try {
    for (const args of [['iptables-restore', '--version'], ['iptables-save'], ['conntrack', '-L']]) {
      execFileSync('ip', ['netns', 'exec', probe, ...args], { stdio: 'pipe', timeout: COMMAND_TIMEOUT_MS });
    }
    return null;
  } catch (e) {
    return `a required tool fails inside a namespace: ${firstLine(e)}`;
  } finally {
    deleteNamespace(probe);
  }
}

function firstLine(e: unknown): string {
  const err = e as { stderr?: Buffer | string; message?: string };
  const text = err.stderr !== undefined && String(err.stderr).trim() !== '' ? String(err.stderr) : err.message ?? String(e);
  return text.trim().split('\n')[0] ?? '';
}

function deleteNamespace(name: string): void {
  if (!name.startsWith(NS_PREFIX)) throw new Error(`refusing to delete namespace ${name}: not ours`);
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe', timeout: COMMAND_TIMEOUT_MS });
  } catch {
    // Already gone.
  }
}

/** Labs not yet disposed, cleaned on process exit too (a crashed hook must not leave namespaces behind). */
const liveLabs = new Set<Lab>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const lab of [...liveLabs]) lab.dispose();
  });
}

export class Lab {
  /** `nlkt-<pid hex><random>`; each role's namespace is `<prefix>-<role>`. */
  readonly prefix: string;
  private readonly namespaces: string[] = [];
  private readonly processes: ChildProcess[] = [];
  private disposed = false;

  constructor() {
    this.prefix = `${NS_PREFIX}${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
    liveLabs.add(this);
    installExitHook();
  }

  ns(role: string): string {
    return `${this.prefix}-${role}`;
  }

  /** Create the namespaces for these roles (recorded before creation so a half-built lab is still cleaned). */
  addNamespaces(roles: string[]): void {
    const names = roles.map((role) => this.ns(role));
    this.namespaces.push(...names);
    execFileSync('ip', ['-batch', '-'], { input: names.map((n) => `netns add ${n}\n`).join(''), stdio: 'pipe', timeout: COMMAND_TIMEOUT_MS });
  }

  /**
   * `ip` commands (one per line, without the leading `ip`) run by one `ip -n <role's namespace> -batch`
   * (entering a namespace costs tens of milliseconds, so one process per namespace, not per command).
   * A line may name another namespace only with `netns`, and only one of ours.
   */
  ip(role: string, lines: string[]): void {
    const name = this.own(role);
    for (const line of lines) {
      for (const m of line.matchAll(/\bnetns (\S+)/g)) {
        if (!this.namespaces.includes(m[1] ?? '')) throw new Error(`ip command reaches outside the lab: ${line}`);
      }
    }
    execFileSync('ip', ['-n', name, '-batch', '-'], { input: `${lines.join('\n')}\n`, stdio: 'pipe', timeout: COMMAND_TIMEOUT_MS });
  }

  /**
   * One bash script run in the host's namespace (one spawn instead of dozens), whose every line
   * is `ip -n <ours> ...`, `ip netns exec <ours> ...` or an `echo` of a quoted marker, and which names no other namespace.
   */
  script(lines: string[]): string {
    for (const line of lines) {
      if (/^echo '[^']*'$/.test(line)) continue;
      const m = /^ip (?:-n|netns exec) (\S+) /.exec(line);
      if (m === null || !this.namespaces.includes(m[1] ?? '')) throw new Error(`command outside the lab: ${line}`);
      for (const ref of line.matchAll(/\bnetns (\S+)/g)) {
        if (ref[1] !== 'exec' && !this.namespaces.includes(ref[1] ?? '')) throw new Error(`command reaches outside the lab: ${line}`);
      }
    }
    return execFileSync('bash', ['-euo', 'pipefail', '-c', lines.join('\n')], { stdio: 'pipe', timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' });
  }

  /** A bash script run inside the role's namespace; its stdout. */
  sh(role: string, script: string, input?: string): string {
    const name = this.own(role);
    return execFileSync('ip', ['netns', 'exec', name, 'bash', '-euo', 'pipefail', '-c', script], {
      input: input ?? '', stdio: 'pipe', timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8',
    });
  }

  /** A program run inside the role's namespace, with its exit code, stdout and stderr (never throws on exit code). */
  exec(role: string, argv: string[], input = ''): { code: number; stdout: string; stderr: string } {
    const name = this.own(role);
    try {
      const stdout = execFileSync('ip', ['netns', 'exec', name, ...argv], { input, stdio: 'pipe', timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' });
      return { code: 0, stdout, stderr: '' };
    } catch (e) {
      const err = e as { status?: number | null; stdout?: string; stderr?: string };
      return { code: err.status ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
    }
  }

  /** A long-running program inside the role's namespace; killed (by its own pid) on dispose. */
  spawn(role: string, argv: string[]): ChildProcess {
    const name = this.own(role);
    // `ip netns exec` execs the program, so the child's pid is the program's own.
    const child = spawn('ip', ['netns', 'exec', name, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.processes.push(child);
    return child;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const child of this.processes) {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // Exited meanwhile.
        }
      }
    }
    try {
      execFileSync('ip', ['-force', '-batch', '-'], { input: this.namespaces.map((n) => `netns del ${n}\n`).join(''), stdio: 'pipe', timeout: COMMAND_TIMEOUT_MS });
    } catch {
      // Some were never created; delete the rest one by one.
    }
    for (const name of this.namespaces) if (existsSync(`/run/netns/${name}`)) deleteNamespace(name);
    liveLabs.delete(this);
  }

  private own(role: string): string {
    const name = this.ns(role);
    if (!this.namespaces.includes(name)) throw new Error(`namespace ${name} is not part of this lab`);
    return name;
  }
}
