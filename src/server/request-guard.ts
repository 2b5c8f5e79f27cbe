/**
 * The checks every request to natlens serve passes before anything is read or changed:
 * Host (DNS rebinding), Origin (cross-site writes) and the per-run bearer token. Pure functions
 * over header values so they are tested without sockets.
 */
import { timingSafeEqual } from 'node:crypto';

export type GuardVerdict = { kind: 'allow' } | { kind: 'deny'; status: 401 | 403; reason: string };

const ALLOW: GuardVerdict = { kind: 'allow' };

/** The only Host values a browser sends when it really talks to us: a rebound DNS name is refused. */
export function checkHost(host: string | undefined, port: number): GuardVerdict {
  if (host !== undefined) {
    const h = host.toLowerCase();
    if (h === `127.0.0.1:${port}` || h === `localhost:${port}`) return ALLOW;
  }
  return { kind: 'deny', status: 403, reason: `Host ${JSON.stringify(host ?? '')} is not 127.0.0.1:${port} or localhost:${port}` };
}

function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/**
 * A state-changing request must come from our own page: a foreign (or opaque "null") Origin is
 * refused, and so is a browser that says the request is cross-site. Non-browser clients send no
 * Origin and are judged by the token alone.
 */
export function checkOrigin(method: string, origin: string | undefined, fetchSite: string | undefined, port: number): GuardVerdict {
  if (isSafeMethod(method)) return ALLOW;
  if (origin !== undefined) {
    const o = origin.toLowerCase();
    if (o !== `http://127.0.0.1:${port}` && o !== `http://localhost:${port}`) {
      return { kind: 'deny', status: 403, reason: `Origin ${JSON.stringify(origin)} may not change this project` };
    }
  }
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    return { kind: 'deny', status: 403, reason: `a ${fetchSite} request may not change this project` };
  }
  return ALLOW;
}

/** `Authorization: Bearer TOKEN`, compared in constant time. */
export function checkToken(authorization: string | undefined, token: string): GuardVerdict {
  const deny: GuardVerdict = { kind: 'deny', status: 401, reason: 'missing or wrong token (Authorization: Bearer TOKEN)' };
  if (authorization === undefined) return deny;
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  if (match === null) return deny;
  const given = Buffer.from(match[1] ?? '', 'utf8');
  const expected = Buffer.from(token, 'utf8');
  if (given.length !== expected.length) return deny;
  return timingSafeEqual(given, expected) ? ALLOW : deny;
}

export interface GuardedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  host: string | undefined;
  origin: string | undefined;
  fetchSite: string | undefined;
  authorization: string | undefined;
}

/** Host first for everything; for /api/ then Origin, then the token. Static files need no token: the page must load to read it. */
export function guardRequest(req: GuardedRequest, port: number, token: string): GuardVerdict {
  const host = checkHost(req.host, port);
  if (host.kind === 'deny') return host;
  if (!isApiPath(req.path)) return ALLOW;
  const origin = checkOrigin(req.method, req.origin, req.fetchSite, port);
  if (origin.kind === 'deny') return origin;
  return checkToken(req.authorization, token);
}

export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}
