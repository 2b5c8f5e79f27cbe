import { describe, expect, it } from 'vitest';
import { checkHost, checkOrigin, checkToken, guardRequest } from './request-guard';

const PORT = 4321;
const TOKEN = 'abcDEF123_-';
const base = { method: 'GET', path: '/api/nodes', host: `127.0.0.1:${PORT}`, origin: undefined, fetchSite: undefined, authorization: `Bearer ${TOKEN}` };

describe('checkHost', () => {
  it('accepts 127.0.0.1 and localhost on our port', () => {
    expect(checkHost(`127.0.0.1:${PORT}`, PORT).kind).toBe('allow');
    expect(checkHost(`LOCALHOST:${PORT}`, PORT).kind).toBe('allow');
  });
  it('refuses a rebound name, another port, a missing Host and a bare address', () => {
    for (const host of [`evil.example:${PORT}`, `127.0.0.1:${PORT + 1}`, undefined, '127.0.0.1', `[::1]:${PORT}`, `127.0.0.1:${PORT}.evil`]) {
      expect(checkHost(host, PORT)).toMatchObject({ kind: 'deny', status: 403 });
    }
  });
});

describe('checkOrigin', () => {
  it('lets reads through whatever the Origin', () => {
    expect(checkOrigin('GET', 'http://evil.example', 'cross-site', PORT).kind).toBe('allow');
  });
  it('refuses a write from a foreign or opaque Origin', () => {
    expect(checkOrigin('POST', 'http://evil.example', undefined, PORT)).toMatchObject({ kind: 'deny', status: 403 });
    expect(checkOrigin('POST', 'null', undefined, PORT)).toMatchObject({ kind: 'deny', status: 403 });
    expect(checkOrigin('POST', `http://127.0.0.1:${PORT + 1}`, undefined, PORT)).toMatchObject({ kind: 'deny', status: 403 });
  });
  it('refuses a write the browser marks cross-site even without Origin', () => {
    expect(checkOrigin('POST', undefined, 'cross-site', PORT)).toMatchObject({ kind: 'deny', status: 403 });
  });
  it('accepts a write from our own page or from a non-browser client', () => {
    expect(checkOrigin('POST', `http://localhost:${PORT}`, 'same-origin', PORT).kind).toBe('allow');
    expect(checkOrigin('POST', undefined, undefined, PORT).kind).toBe('allow');
  });
});

describe('checkToken', () => {
  it('accepts the exact bearer token', () => {
    expect(checkToken(`Bearer ${TOKEN}`, TOKEN).kind).toBe('allow');
  });
  it('refuses a missing, wrong, truncated, extended or differently-schemed token with 401', () => {
    for (const auth of [undefined, '', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`, TOKEN, 'Bearer ', `Bearer ${TOKEN.toUpperCase()}`]) {
      expect(checkToken(auth, TOKEN)).toMatchObject({ kind: 'deny', status: 401 });
    }
  });
});

describe('guardRequest', () => {
  it('checks Host before the token, so a foreign Host gets 403 with or without it', () => {
    expect(guardRequest({ ...base, host: 'evil.example' }, PORT, TOKEN)).toMatchObject({ status: 403 });
    expect(guardRequest({ ...base, host: 'evil.example', authorization: undefined }, PORT, TOKEN)).toMatchObject({ status: 403 });
  });
  it('needs the token for /api/ but not for the page itself', () => {
    expect(guardRequest({ ...base, authorization: undefined }, PORT, TOKEN)).toMatchObject({ status: 401 });
    expect(guardRequest({ ...base, path: '/', authorization: undefined }, PORT, TOKEN).kind).toBe('allow');
    expect(guardRequest({ ...base, path: '/api', authorization: undefined }, PORT, TOKEN)).toMatchObject({ status: 401 });
  });
  it('refuses a foreign-Origin write even with the token', () => {
    expect(guardRequest({ ...base, method: 'POST', path: '/api/import', origin: 'http://evil.example' }, PORT, TOKEN)).toMatchObject({ status: 403 });
  });
});
