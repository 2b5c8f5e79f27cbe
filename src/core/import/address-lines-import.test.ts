/** An `ip addr | grep inet` paste: its IPv6 lines, which name no interface, are warned about with their line. */
import { describe, expect, it } from 'vitest';
import { importPaths } from './import-paths';
import { useTempProject } from '../../../test/support/temp-project';

const project = useTempProject('address-lines-import');

describe('import of ip addr | grep inet', () => {
  it('stores the IPv4 addresses and names each IPv6 line it could not place', () => {
    const p = project();
    const file = p.write('t.txt', 'root@node1:~# ip addr | grep inet\n    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\n    inet6 fe80::1/64 scope link \n');
    const report = importPaths(p.store(), [file]);
    expect(report.errors).toEqual([]);
    expect(report.warnings.filter((w) => w.message.startsWith('ip-addr:')).map((w) => w.source)).toEqual([`${file}:3`]);
  });
});
