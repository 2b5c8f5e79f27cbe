import { describe, expect, it } from 'vitest';
import { dataLinesOf, dataShapeOf, type DataShape } from './data-shape';

describe('dataShapeOf', () => {
  it('knows the lines of every form of data natlens reads', () => {
    const cases: Array<[string, DataShape]> = [
      ['-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -j KUBE-SVC-NPX46M4PTMTKRN6Y', 'rule'],
      ['[85447.184059] TRACE: nat:PREROUTING:rule:1 IN=ks0 OUT= MAC=6a:0c SRC=10.77.0.1 DST=10.96.0.10 LEN=60 PROTO=TCP SPT=52156 DPT=80', 'packet'],
      ['[Mon Dec  7 22:57:06 2026] KUBE-DROP: IN=eth0 OUT=cbr0 SRC=10.0.0.1 DST=10.40.1.5 LEN=60 PROTO=TCP SPT=1 DPT=2', 'packet'],
      ['Dec 07 22:57:06 nodea kernel: TRACE: filter:FORWARD:rule:4 IN=eth0 OUT=cbr0 SRC=10.0.0.1 DST=10.40.1.5 LEN=60', 'packet'],
      ['PACKET: 2 9abd61f1 IN=ks0 MACSRC=22:de:ae:19:f6:72 SRC=10.77.0.1 DST=10.96.0.11 LEN=60', 'packet'],
      [' TRACE: 2 9abd61f1 nat:KUBE-SVC:rule:0x5:ACCEPT  -4 -t nat -A KUBE-SVC -j DNAT --to-destination 10.77.0.2:8081', 'packet'],
      ['trace id 9abd61f1 ip filter INPUT rule tcp dport 8081 counter packets 0 bytes 0 drop (verdict drop)', 'packet'],
      ['-P INPUT ACCEPT', 'rule'],
      ['[12:720] -A INPUT -i lo -j ACCEPT', 'rule'],
      ['-N KUBE-SERVICES', 'rule'],
      [':PREROUTING ACCEPT [0:0]', 'rule'],
      [':KUBE-SEP-ABC - [0:0]', 'rule'],
      ['Chain INPUT (policy ACCEPT 0 packets, 0 bytes)', 'rule'],
      ['Chain KUBE-SERVICES (2 references)', 'rule'],
      ['ACCEPT     all  --  0.0.0.0/0            0.0.0.0/0', 'rule'],
      ['DNAT       tcp  --  0.0.0.0/0  10.96.0.10  tcp dpt:53 to:10.244.0.2:53', 'rule'],
      ['    0     0 ACCEPT     all  --  lo     *       0.0.0.0/0            0.0.0.0/0', 'rule'],
      ['1    12K  720K KUBE-SERVICES  all  --  *      *       0.0.0.0/0            0.0.0.0/0', 'rule'],
      ['1        0     0 ACCEPT     6    --  *      *       0.0.0.0/0            0.0.0.0/0', 'rule'],
      ['2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP', 'address'],
      ['    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0', 'address'],
      ['    inet6 fe80::1/64 scope link', 'address'],
      ['    link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff', 'address'],
      ['2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\\       valid_lft forever', 'address'],
      ['eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500', 'address'],
      ['        inet 10.0.0.5  netmask 255.255.255.0  broadcast 10.0.0.255', 'address'],
      ['eth0      Link encap:Ethernet  HWaddr 52:54:00:12:34:56', 'address'],
      ['          inet addr:10.0.0.5  Bcast:10.0.0.255  Mask:255.255.255.0', 'address'],
      ['eth0             UP             10.0.0.5/24 fe80::1/64', 'address'],
      ['fe80::1 dev eth0 lladdr 52:54:00:12:34:56 router REACHABLE', 'address'],
      ['10.0.0.1 dev eth0 lladdr 52:54:00:12:34:56 STALE', 'address'],
      ['[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK"]}]', 'address'],
      ['default via 10.0.0.1 dev eth0 proto dhcp metric 100', 'route'],
      ['10.244.1.0/24 via 10.0.0.6 dev eth0', 'route'],
      ['10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5', 'route'],
      ['local 10.0.0.5 dev eth0 table local proto kernel scope host src 10.0.0.5', 'route'],
      ['blackhole 10.244.0.0/24 proto bird', 'route'],
      ['0.0.0.0         10.0.0.1        0.0.0.0         UG    100    0        0 eth0', 'route'],
      ['10.0.0.0        0.0.0.0         255.255.255.0   U         0 0          0 eth0', 'route'],
      ['0:\tfrom all lookup local', 'route'],
      ['fd00:99::/64 via fd00:77:2::2 dev rb metric 1024 pref medium', 'route'],
      ['fd00:0:99::/64 dev rb proto kernel metric 256', 'route'],
      ['fd00:99::/64                   fd00:77:2::2               UG   1024 1      0 rb', 'route'],
      ['32766:\tfrom all lookup main', 'route'],
      ['tcp      6 117 TIME_WAIT src=10.0.0.5 dst=10.96.0.1 sport=40000 dport=443 src=10.0.0.6 dst=10.0.0.5', 'conntrack'],
      ['udp      17 29 src=10.244.0.5 dst=10.96.0.10 sport=5353 dport=53 [UNREPLIED] src=10.244.0.2', 'conntrack'],
      ['ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.5 dst=10.0.0.6 sport=22 dport=5000', 'conntrack'],
      ['12:00:00.123456 IP 10.0.0.5.40000 > 10.96.0.1.443: Flags [S], seq 1, win 64240, length 0', 'packet'],
      ['12:00:00.123456 eth0 In  IP 10.0.0.5.40000 > 10.0.0.6.80: Flags [S], seq 1', 'packet'],
      ['1700000000.123456 IP6 fe80::1 > ff02::1: ICMP6, router advertisement, length 64', 'packet'],
      ['12:00:00.000000 ARP, Request who-has 10.0.0.1 tell 10.0.0.5, length 28', 'packet'],
      ['> -A INPUT -j ACCEPT', 'rule'],
      ['52:54:00:12:34:56 dev veth1 master cni0 permanent', 'address'],
      ['[NEW] tcp      6 120 SYN_SENT src=10.0.0.5 dst=10.96.0.1 sport=40000 dport=443 [UNREPLIED] src=10.0.0.6', 'conntrack'],
      ['    [NEW] tcp      6 120 SYN_SENT src=10.0.0.5 dst=10.96.0.1 sport=40000 dport=443 [UNREPLIED] src=10.0.0.6', 'conntrack'],
      [' [UPDATE] tcp      6 60 SYN_RECV src=10.0.0.5 dst=10.96.0.1 sport=40000 dport=443 src=10.0.0.6', 'conntrack'],
      ['IP 10.0.0.5.40000 > 10.96.0.1.443: Flags [S], seq 1, win 64240, length 0', 'packet'],
      ['kube-proxy.log:723261:-A KUBE-SERVICES -d 10.0.0.1/32 -j KUBE-SVC-X', 'rule'],
      ['/etc/iptables/rules.v4:12:-A INPUT -j ACCEPT', 'rule'],
      ['\x1b[36m10.0.0.0/24\x1b[0m dev \x1b[36meth0\x1b[0m proto kernel scope link', 'route'],
    ];
    for (const [line, shape] of cases) expect([line, dataShapeOf(line)]).toEqual([line, shape]);
  });

  it('leaves prose, commands, prompts, headers, logs and YAML alone', () => {
    for (const line of [
      '',
      'This rule accepts all traffic from lo.',
      'iptables -A INPUT -j ACCEPT',
      'root@node1:~# iptables-save',
      '# Generated by iptables-save v1.8.7 on Mon Nov 23 10:00:00 2026',
      '*filter',
      'COMMIT',
      ' pkts bytes target     prot opt in     out     source               destination',
      'NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE',
      'kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   5d',
      'I1123 10:00:00.000000       1 proxier.go:812] "Syncing iptables rules"',
      '- name: eth0',
      '  - 10.0.0.5/24',
      'Kernel IP routing table',
      'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface',
      '        RX packets 1000  bytes 100000 (100.0 KB)',
      'total 12',
      '-rw-r--r-- 1 root root 1024 Nov 23 10:00 rules.v4',
      '--- a/rules',
      '12:00:00 up 5 days,  3:04,  1 user,  load average: 0.00, 0.01, 0.05',
      'IP address of the node is 10.0.0.5',
      '[NEW] feature announced',
    ]) {
      expect([line, dataShapeOf(line)]).toEqual([line, null]);
    }
  });

  it('knows data indented as a whole: a Markdown indented block, output pasted under its command', () => {
    const cases: Array<[string, DataShape]> = [
      ['    172.27.174.0/26 via 10.77.20.196 dev tunl0 proto bird onlink', 'route'],
      ['    blackhole 172.27.198.192/26 proto bird', 'route'],
      ['\t172.27.198.195 dev cali5ce32826680 scope link', 'route'],
      ['  0.0.0.0         10.10.50.1      0.0.0.0         UG    0      0        0 ens33', 'route'],
      ['    -A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -j KUBE-SVC-NPX46M4PTMTKRN6Y', 'rule'],
      ['    tcp      6 117 TIME_WAIT src=10.0.0.5 dst=10.96.0.1 sport=40000 dport=443 src=10.0.0.6 dst=10.0.0.5', 'conntrack'],
      ['    2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP', 'address'],
    ];
    for (const [line, shape] of cases) expect([line, dataShapeOf(line)]).toEqual([line, shape]);
  });

  it('knows brctl show bridge rows and tshark one-line packet summaries', () => {
    const cases: Array<[string, DataShape]> = [
      ['cni0            8000.d223dd36e701       no              veth086d1546', 'address'],
      ['br-01612ab26dea         8000.0242ef8b5c10       no', 'address'],
      ['  br0             8000.5a37b3bb1f7b       no              ens33.5', 'address'],
      ['  1          0    10.64.1.1 -> 10.64.1.7    DNS 90 Standard query 0xb710  A www.microsoft.com', 'packet'],
      ['    3   0.000172 10.0.0.5 → 10.96.0.1 TCP 74 40000 → 443 [SYN] Seq=0', 'packet'],
    ];
    for (const [line, shape] of cases) expect([line, dataShapeOf(line)]).toEqual([line, shape]);
  });

  it('leaves indented lines that are not data alone (tcpdump -v, ip -s link, ip -d link, multipath)', () => {
    for (const line of [
      '    10.0.0.5.40000 > 10.96.0.1.443: Flags [S], cksum 0x1c46 (correct), seq 1, win 64240',
      '    RX: bytes  packets  errors  dropped overrun mcast',
      '    1234567    12345    0       0       0       0',
      '    vxlan id 1 local 10.0.0.5 dev eth0 srcport 0 0 dstport 8472 nolearning ttl auto ageing 300',
      '\tnexthop via 10.0.0.1 dev eth0 weight 1',
      '    bridge name     bridge id               STP enabled     interfaces',
      '  Kernel IP routing table',
    ]) {
      expect([line, dataShapeOf(line)]).toEqual([line, null]);
    }
  });

  it('looks at the start of a line only', () => {
    expect(dataShapeOf(`-A INPUT ${'x'.repeat(1_000_000)}`)).toBe('rule');
    expect(dataShapeOf(`${' '.repeat(300)}inet 10.0.0.5/24`)).toBeNull();
  });
});

describe('dataLinesOf', () => {
  it('numbers the data lines of a text from its first line, whatever its line breaks', () => {
    const text = 'prose\r\n-A INPUT -j ACCEPT\r\n\r\ndefault via 10.0.0.1 dev eth0\rtail';
    const { data, lineCount } = dataLinesOf(text, 10);
    expect(lineCount).toBe(5);
    expect(data.lines).toEqual([11, 13]);
    expect(data.shapes).toEqual(['rule', 'route']);
    expect(data.countIn(11, 13)).toBe(2);
    expect(data.countIn(12, 12)).toBe(0);
    expect(data.countIn(13, 100)).toBe(1);
  });

  it('counts the lines of a text with and without a final line break alike', () => {
    expect(dataLinesOf('a\nb\n').lineCount).toBe(2);
    expect(dataLinesOf('a\nb').lineCount).toBe(2);
    expect(dataLinesOf('').lineCount).toBe(0);
  });
});
