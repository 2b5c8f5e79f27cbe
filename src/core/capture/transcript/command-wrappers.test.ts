import { describe, expect, it } from 'vitest';
import { unwrap, WRAPPERS } from './command-wrappers';

describe('the wrapper table', () => {
  it('gives every data wrapper its command back, past its options and its own words', () => {
    for (const [name, w] of WRAPPERS) {
      if (w.kind === 'own') continue;
      const own = w.kind === 'options' ? Array.from({ length: w.skipWords }, () => '/host') : [];
      const valued = w.kind === 'options' ? [...w.valued].slice(0, 1).flatMap((o) => [o, 'VALUE']) : [];
      expect(unwrap([name, ...valued, ...own, 'iptables-save', '-t', 'nat']).argv, name).toEqual(['iptables-save', '-t', 'nat']);
    }
  });

  it('says a shell runs when a wrapper that opens one is given no command', () => {
    expect(unwrap(['toolbox']).shellWhenEmpty).toBe(true);
    expect(unwrap(['nice']).shellWhenEmpty).toBe(false);
    expect(unwrap(['sudo', '-i']).shellWhenEmpty).toBe(true);
  });

  it('reads wrappers nested in one another, and where they ran', () => {
    const u = unwrap(['sudo', 'watch', '-n', '1', 'ip', 'netns', 'exec', 'ns1', 'conntrack', '-L']);
    expect(u.argv).toEqual(['conntrack', '-L']);
    expect(u.namespace).toEqual({ via: 'ip-netns', name: 'ns1' });
    const k = unwrap(['oc', 'debug', 'node/worker-1', '--', 'chroot', '/host', 'iptables-save']);
    expect(k.argv).toEqual(['iptables-save']);
    expect(k.remoteNode).toBe('worker-1');
    expect(k.viaKubectl).toBe(false);
  });

  it('leaves a program that is no wrapper alone', () => {
    expect(unwrap(['ip', 'route', 'show']).argv).toEqual(['ip', 'route', 'show']);
    expect(unwrap(['kubectl', 'get', 'svc']).argv).toEqual(['kubectl', 'get', 'svc']);
  });
});
