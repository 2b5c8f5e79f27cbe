/** Large text captures made up for tests: a busy node's `conntrack -L`, a long `tcpdump -n -e -tt` text. */

function address(i: number, net: string): string {
  return `${net}.${(i >> 8) & 255}.${i & 255}`;
}

/** `n` conntrack entries, each a distinct connection, as `conntrack -L` prints them (one every tenth is ICMP). */
export function conntrackText(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const client = address(i, '10.244');
    const server = address(i % 997, '10.245');
    const port = 1024 + (i % 60000);
    lines.push(i % 10 === 9
      ? `icmp     1 29 src=${client} dst=${server} type=8 code=0 id=${i & 0xffff} src=${server} dst=${client} type=0 code=0 id=${i & 0xffff} mark=0 use=1`
      : `tcp      6 431999 ESTABLISHED src=${client} dst=10.96.0.10 sport=${port} dport=80 src=${server} dst=${client} sport=8080 dport=${port} [ASSURED] mark=0 use=1`);
  }
  return `${lines.join('\n')}\n`;
}

/** `n` packets as `tcpdump -n -e -tt` prints them, a SYN of its own connection each. */
export function tcpdumpText(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const usec = String(i % 1_000_000).padStart(6, '0');
    lines.push(`${1796608561 + Math.floor(i / 1_000_000)}.${usec} 4a:0b:23:16:02:1c > b6:1d:23:11:83:e5, ethertype IPv4 (0x0800), length 74: ` +
      `${address(i, '10.40')}.${1024 + (i % 60000)} > 10.40.1.2.8080: Flags [S], seq ${i}, win 64240, length 0`);
  }
  return `${lines.join('\n')}\n`;
}

/** `n` routes as `ip route` prints a BGP-fed table (a full Internet table is ~10^6), one /24 each, after a default and the link's own. */
export function ipRouteText(n: number): string {
  const lines: string[] = ['default via 10.9.0.1 dev eth0 proto static metric 100', '10.9.0.0/24 dev eth0 proto kernel scope link src 10.9.0.5'];
  for (let i = 0; i < n; i++) {
    lines.push(`${1 + ((i >> 16) & 127)}.${(i >> 8) & 255}.${i & 255}.0/24 via 10.9.0.${2 + (i % 3)} dev eth0 proto bgp metric 20`);
  }
  return `${lines.join('\n')}\n`;
}
