import { describe, expect, it } from 'vitest';
import { analyseCommand, iprouteSelection } from './command';

const sel = (line: string) => analyseCommand(line).selection;

describe('command selection', () => {
  it('finds the chain of a listing', () => {
    expect(sel('iptables -t nat -L KUBE-SVC-X -n -v').chain).toBe('KUBE-SVC-X');
    expect(sel('iptables -nvL FORWARD').chain).toBe('FORWARD');
    expect(sel('iptables -S KUBE-SERVICES -t nat').chain).toBe('KUBE-SERVICES');
    expect(sel('sudo iptables --list-rules INPUT').chain).toBe('INPUT');
    expect(sel('iptables -L -n --line-numbers').chain).toBeNull();
    expect(sel('iptables -tnat -L').chain).toBeNull();
    expect(sel('iptables -tnat -S').table).toBe('nat');
    expect(sel('iptables -S -t mangle').table).toBe('mangle');
  });

  it('finds named interfaces, families and route tables', () => {
    expect(sel('ip addr show dev eth0').interfaces).toEqual(['eth0']);
    expect(sel('ip -4 a s up').interfaces).toEqual([]);
    expect(sel('ip -4 a s up').family).toBe('ipv4');
    expect(sel('ip -f inet6 addr show cni0')).toMatchObject({ interfaces: ['cni0'], family: 'ipv6' });
    expect(sel('ip link').addressesShown).toBe(false);
    expect(sel('ifconfig').upOnly).toBe(true);
    expect(sel('ifconfig lo').interfaces).toEqual(['lo']);
    expect(sel('ip route show table local').routeTable).toBe('local');
    expect(sel('ip r show table 0').routeTable).toBe('all');
    // iproute2 takes any prefix of a keyword: the abbreviations engineers type.
    expect(sel('ip r s t 101').routeTable).toBe('101');
    expect(sel('ip ro sh tab 102').routeTable).toBe('102');
    expect(sel('ip r g 10.0.0.5').routeLookup).toBe(true);
    expect(iprouteSelection('ip r s t 101').table).toBe('101');
    expect(sel('ip route get 1.1.1.1').routeLookup).toBe(true);
    expect(sel('brctl show cni0').bridges).toEqual(['cni0']);
  });

  it('says what a command changes', () => {
    expect(sel('iptables -A INPUT -j DROP').changes).toBe('rules');
    expect(sel('sudo iptables -t nat -I PREROUTING 1 -j X').changes).toBe('rules');
    expect(sel('iptables -F; iptables -L').changes).toBe('rules');
    expect(sel('iptables-restore < rules.v4').changes).toBe('rules');
    expect(sel('systemctl restart kube-proxy').changes).toBe('rules');
    expect(sel('sudo systemctl stop docker').changes).toBe('everything');
    expect(sel('service networking restart').changes).toBe('everything');
    expect(sel('kubectl apply -f svc.yaml').changes).toBe('rules');
    expect(sel('kubectl get svc').changes).toBeNull();
    expect(sel('iptables -L -n -v').changes).toBeNull();
    expect(sel('iptables -nvL').changes).toBeNull();
    expect(sel('ip route add 10.0.0.0/8 via 1.2.3.4').changes).toBe('routes');
    expect(sel('ip addr add 10.0.0.5/24 dev eth0').changes).toBe('interfaces');
    expect(sel('ip addr show').changes).toBeNull();
    expect(sel('systemctl status kube-proxy').changes).toBeNull();
  });
});
