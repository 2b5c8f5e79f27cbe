import { describe, expect, it } from 'vitest';
import { isPrivateAddress, isPublicAddress } from './address-scope';

describe('address scope', () => {
  it('knows the private, shared, link-local and documentation ranges from the routed ones', () => {
    expect(['10.1.2.3', '172.31.255.1', '192.168.255.2', '100.64.0.1', '169.254.1.1', '127.0.0.1', 'fd00::1', 'fe80::1'].map(isPrivateAddress))
      .toEqual([true, true, true, true, true, true, true, true]);
    expect(['8.8.8.8', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888'].map(isPublicAddress)).toEqual([true, true, true, true]);
    expect(['224.0.0.22', '255.255.255.255', 'ff02::1', 'nonsense', '10.0.0.1'].map(isPublicAddress)).toEqual([false, false, false, false, false]);
    expect(isPrivateAddress('nonsense')).toBeNull();
  });
});
