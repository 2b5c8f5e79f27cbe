import { describe, expect, it } from 'vitest';
import { arrayOf, int, object, oneOf, optional, str, validate, ValidationError } from './validator';
import { operations, parseRequest } from './api';

describe('validators', () => {
  const request = object({ paths: arrayOf(str({ minLength: 1, printable: true }), { minLength: 1 }), node: optional(str()), port: optional(int(0, 65535)), mode: optional(oneOf(['a', 'b'] as const)) });

  it('returns the typed value for a valid request', () => {
    expect(validate(request, { paths: ['a.txt'], node: 'n1', port: 80, mode: 'b' })).toEqual({ paths: ['a.txt'], node: 'n1', port: 80, mode: 'b' });
  });

  it('leaves absent optional fields absent', () => {
    expect(validate(request, { paths: ['a'] })).toEqual({ paths: ['a'] });
  });

  it('names the path of a wrong field', () => {
    expect(() => validate(request, { paths: ['ok', 3] })).toThrow(new ValidationError('paths[1]', 'expected a string, got a number'));
  });

  it('rejects unknown fields instead of ignoring them', () => {
    expect(() => validate(request, { paths: ['a'], extra: true })).toThrow(/extra: unknown field/);
  });

  it('rejects non-objects, arrays and null as a request', () => {
    for (const bad of [null, [], 'x', 1, undefined]) expect(() => validate(request, bad)).toThrow(ValidationError);
  });

  it('rejects control characters in printable strings', () => {
    expect(() => validate(request, { paths: ['a\u0000b'] })).toThrow(/control characters/);
  });

  it('enforces array and integer bounds', () => {
    expect(() => validate(request, { paths: [] })).toThrow(/at least 1/);
    expect(() => validate(request, { paths: ['a'], port: 70000 })).toThrow(/between 0 and 65535/);
    expect(() => validate(request, { paths: ['a'], port: 1.5 })).toThrow(/integer/);
    expect(() => validate(request, { paths: ['a'], mode: 'c' })).toThrow(/one of "a", "b"/);
  });

  it('does not treat inherited properties as fields', () => {
    const raw = Object.create({ node: 'inherited' }) as Record<string, unknown>;
    raw.paths = ['a'];
    expect(validate(request, raw)).toEqual({ paths: ['a'] });
  });
});

describe('operation requests', () => {
  it('has a request validator for every operation', () => {
    for (const spec of Object.values(operations)) expect(typeof spec.request).toBe('function');
  });

  it('accepts an empty request for the read operations', () => {
    expect(parseRequest('listNodes', {})).toEqual({});
    expect(parseRequest('getProjectInfo', {})).toEqual({});
  });

  it('refuses a query parameter that the operation does not take', () => {
    expect(() => parseRequest('listNodes', { token: 'x' })).toThrow(/token: unknown field/);
  });

  it('requires paths and a job for importPaths', () => {
    expect(parseRequest('importPaths', { paths: ['/tmp/a'], job: 'j1', node: 'web-1' })).toEqual({ paths: ['/tmp/a'], job: 'j1', node: 'web-1' });
    expect(() => parseRequest('importPaths', { paths: [], job: 'j1' })).toThrow(/paths/);
    expect(() => parseRequest('importPaths', { paths: ['/a'] })).toThrow(/job/);
  });

  it('refuses an empty node name', () => {
    expect(() => parseRequest('importUploads', { uploads: ['u1'], node: '' })).toThrow(/node/);
  });

  it('gives every HTTP route to exactly one operation', () => {
    const routes = Object.values(operations).flatMap((s) => (s.http ? [`${s.http.method} ${s.http.path}`] : []));
    expect(new Set(routes).size).toBe(routes.length);
    expect(routes).toContain('GET /api/nodes');
  });

  it('keeps desktop-only operations off HTTP', () => {
    for (const spec of Object.values(operations)) if (spec.shells === 'desktop') expect(spec.http).toBeNull();
  });
});
