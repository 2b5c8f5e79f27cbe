import { describe, expect, it } from 'vitest';
import { parseBridgeNetfilter, parseEndpoint, traceRequest } from './trace-request';
import { validate, ValidationError } from './validator';

describe('trace endpoints', () => {
  it('reads IP, IP:PORT and bracketed IPv6 with a port', () => {
    expect(parseEndpoint('10.40.1.3:40001')).toEqual({ ok: true, ip: '10.40.1.3', port: 40001 });
    expect(parseEndpoint('10.96.0.10')).toEqual({ ok: true, ip: '10.96.0.10', port: null });
    expect(parseEndpoint('[fd00::1]:443')).toEqual({ ok: true, ip: 'fd00::1', port: 443 });
    expect(parseEndpoint('fd00::1')).toEqual({ ok: true, ip: 'fd00::1', port: null });
    expect(parseEndpoint(' 10.0.0.1:80 ')).toEqual({ ok: true, ip: '10.0.0.1', port: 80 });
  });

  it('says what is wrong with a bad endpoint', () => {
    expect(parseEndpoint('web-1:80')).toEqual({ ok: false, message: '"web-1:80" is not IP[:PORT]' });
    expect(parseEndpoint('10.0.0.1:70000')).toEqual({ ok: false, message: 'port 70000 is out of range' });
    expect(parseEndpoint('')).toMatchObject({ ok: false });
  });
});

describe('trace request validator', () => {
  const base = { node: 'nodea', proto: 'tcp', src: '10.40.1.3', sport: 40001, dst: '10.96.0.10', dport: 80, in: 'cbr0', local: false, follow: true };

  it('passes a complete request through unchanged', () => {
    expect(validate(traceRequest, base)).toEqual(base);
    expect(validate(traceRequest, { ...base, in: null, local: true, snapshot: 7 })).toEqual({ ...base, in: null, local: true, snapshot: 7 });
  });

  it('wants exactly one of an arrival interface and local', () => {
    expect(() => validate(traceRequest, { ...base, local: true })).toThrow(new ValidationError('in', 'give exactly one of an arrival interface and local'));
    expect(() => validate(traceRequest, { ...base, in: null })).toThrow(ValidationError);
  });

  it('lets a local packet leave its source out (the kernel chooses), never an arriving one', () => {
    const { src: _src, sport: _sport, ...noSource } = base;
    const local = { ...noSource, in: null, local: true };
    expect(validate(traceRequest, local)).toEqual(local);
    expect(validate(traceRequest, { ...local, src: null })).toEqual({ ...local, src: null });
    expect(() => validate(traceRequest, noSource)).toThrow(new ValidationError('src', 'a packet arriving on an interface needs its source address (only a local packet may leave it out)'));
  });

  it('refuses unknown protocols, bad addresses, ports and snapshots', () => {
    expect(() => validate(traceRequest, { ...base, proto: 'sctp' })).toThrow(/proto/);
    expect(() => validate(traceRequest, { ...base, src: '10.40.1.3:40001' })).toThrow(new ValidationError('src', '"10.40.1.3:40001" is not an IP address'));
    expect(() => validate(traceRequest, { ...base, dport: 65536 })).toThrow(/dport/);
    expect(() => validate(traceRequest, { ...base, snapshot: 0 })).toThrow(/snapshot/);
    expect(() => validate(traceRequest, { ...base, follow: 'yes' })).toThrow(new ValidationError('follow', 'expected true or false, got a string'));
  });

  it('carries br_netfilter as true, false or null, and refuses anything else', () => {
    expect(validate(traceRequest, { ...base, bridgeNetfilter: false })).toEqual({ ...base, bridgeNetfilter: false });
    expect(validate(traceRequest, { ...base, bridgeNetfilter: null })).toEqual({ ...base, bridgeNetfilter: null });
    expect(() => validate(traceRequest, { ...base, bridgeNetfilter: 'off' })).toThrow(/bridgeNetfilter/);
  });

  it('reads --bridge-nf on and off, in any case, and nothing else', () => {
    expect([parseBridgeNetfilter('on'), parseBridgeNetfilter(' OFF '), parseBridgeNetfilter('1'), parseBridgeNetfilter('')]).toEqual([true, false, null, null]);
  });
});
