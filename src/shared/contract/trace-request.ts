/**
 * What a trace request is, once for every face: the CLI's `--src IP[:PORT]` arguments, the `trace`
 * operation's runtime check, and the renderer's form all read endpoints and protocols here.
 */
import { isIpAddress } from '../../core/common/ip';
import { bool, int, nullable, object, oneOf, optional, str, ValidationError, type Infer, type Validator } from './validator';

export const TRACE_PROTOS = ['tcp', 'udp', 'icmp'] as const;
export type TraceProto = (typeof TRACE_PROTOS)[number];

/** What the CLI uses when `--src` has no port (CONTRACT.md). */
export const DEFAULT_SOURCE_PORT = 40000;

export type Endpoint = { ok: true; ip: string; port: number | null } | { ok: false; message: string };

/** `10.0.0.1`, `10.0.0.1:80`, `[fd00::1]:80`, `fd00::1`. */
export function parseEndpoint(text: string): Endpoint {
  const value = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  const v4 = /^([^:]+):(\d+)$/.exec(value);
  const [ip, port] = bracketed ? [bracketed[1]!, bracketed[2]] : v4 ? [v4[1]!, v4[2]] : [value, undefined];
  if (!isIpAddress(ip)) return { ok: false, message: `"${text}" is not IP[:PORT]` };
  if (port === undefined) return { ok: true, ip, port: null };
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535) return { ok: false, message: `port ${port} is out of range` };
  return { ok: true, ip, port: n };
}

/** `--bridge-nf on|off`: true, false, or null for a value that is neither. */
export function parseBridgeNetfilter(text: string): boolean | null {
  const value = text.trim().toLowerCase();
  return value === 'on' ? true : value === 'off' ? false : null;
}

const ipAddress: Validator<string> = (value, path) => {
  const text = str({ minLength: 1, maxLength: 64, printable: true })(value, path);
  if (!isIpAddress(text)) throw new ValidationError(path, `"${text}" is not an IP address`);
  return text;
};

const port = nullable(int(0, 65535));

const traceRequestShape = object({
  node: str({ minLength: 1, maxLength: 253, printable: true }),
  proto: oneOf(TRACE_PROTOS),
  /** Absent or null with `local`: the source the kernel would choose. */
  src: optional(nullable(ipAddress)),
  sport: optional(port),
  dst: ipAddress,
  dport: optional(port),
  /** The interface the packet arrives on; null or absent with `local`. */
  in: optional(nullable(str({ minLength: 1, maxLength: 64, printable: true }))),
  local: bool(),
  follow: bool(),
  /** A ruleset capture id (`trace --snapshot`); absent or null: the newest. */
  snapshot: optional(nullable(int(1, Number.MAX_SAFE_INTEGER))),
  /**
   * br_netfilter (bridge-nf-call-iptables), which captures do not show; absent or null: assumed on,
   * with a caveat on each outcome that crosses a bridge port (`trace --bridge-nf on|off`).
   */
  bridgeNetfilter: optional(nullable(bool())),
});

export type TraceRequestJson = Infer<typeof traceRequestShape>;

/** The `trace` operation's request: the shape above, exactly one of `in` and `local`, and a source unless local. */
export const traceRequest: Validator<TraceRequestJson> = (value, path) => {
  const request = traceRequestShape(value, path);
  const hasIn = request.in !== undefined && request.in !== null;
  if (hasIn === request.local) throw new ValidationError(path ? `${path}.in` : 'in', 'give exactly one of an arrival interface and local');
  if (hasIn && (request.src === undefined || request.src === null)) {
    throw new ValidationError(path ? `${path}.src` : 'src', 'a packet arriving on an interface needs its source address (only a local packet may leave it out)');
  }
  return request;
};
