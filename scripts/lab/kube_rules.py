#!/usr/bin/env python3
"""Writes an iptables-restore file shaped as kube-proxy's iptables mode writes it, for the fault lab.

    kube_rules.py SPEC.json > rules

SPEC: {"clusterCidr": "10.40.0.0/16", "forwardPolicy": "ACCEPT" | "DROP",
       "services": [{"name": "default/hello:http", "proto": "tcp", "clusterIP": "10.96.0.10", "port": 80,
                     "nodePort": 30080 | null, "endpoints": ["10.40.1.2:8080", ...],
                     "hairpinMasq": true}]}   # false: the KUBE-SEP chains lack "-s <endpoint> -j KUBE-MARK-MASQ"

Chain names are kube-proxy's: KUBE-SVC-/KUBE-EXT-/KUBE-SEP- followed by the first 16 base32 characters of
sha256(service port name + protocol [+ endpoint]) (pkg/proxy/iptables/proxier.go, portProtoHash and
servicePortEndpointChainName). Rules are written in kube-proxy's argument order; iptables-save prints them
in its own canonical order, which is what the lab captures.
"""
import base64
import hashlib
import json
import sys


def chain_hash(*parts: str) -> str:
    return base64.b32encode(hashlib.sha256(''.join(parts).encode()).digest()).decode()[:16]


def rules(spec: dict) -> str:
    cidr = spec['clusterCidr']
    filt_chains = ['KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'KUBE-SERVICES']
    filt = [
        # The jumps kube-proxy ensures (iptablesJumpChains), in the order iptables-save lists them on a node.
        '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
        '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
        '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
        '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
        '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
        '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
        '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
        '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
        '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
        '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ]
    nat_chains = ['KUBE-MARK-MASQ', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-SERVICES']
    nat = [
        '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
        '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
        '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
        '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
        '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
    ]
    nodeports = []
    for svc in spec['services']:
        name, proto, ip, port = svc['name'], svc['proto'], svc['clusterIP'], svc['port']
        node_port = svc.get('nodePort')
        eps = svc['endpoints']
        match = f'-m {proto} -p {proto}'
        if not eps:
            filt.append(f'-A KUBE-SERVICES -m comment --comment "{name} has no endpoints" {match} -d {ip} --dport {port} -j REJECT')
            if node_port:
                filt.append(f'-A KUBE-EXTERNAL-SERVICES -m comment --comment "{name} has no endpoints" -m addrtype --dst-type LOCAL {match} --dport {node_port} -j REJECT')
            continue
        h = chain_hash(name, proto)
        svc_chain, ext_chain = f'KUBE-SVC-{h}', f'KUBE-EXT-{h}'
        nat_chains.append(svc_chain)
        nat.append(f'-A KUBE-SERVICES -m comment --comment "{name} cluster IP" {match} -d {ip} --dport {port} -j {svc_chain}')
        nat.append(f'-A {svc_chain} -m comment --comment "{name} cluster IP" {match} -d {ip} --dport {port} ! -s {cidr} -j KUBE-MARK-MASQ')
        if node_port:
            nat_chains.append(ext_chain)
            nodeports.append(f'-A KUBE-NODEPORTS -m comment --comment {name} {match} --dport {node_port} -j {ext_chain}')
            nat.append(f'-A {ext_chain} -m comment --comment "masquerade traffic for {name} external destinations" -j KUBE-MARK-MASQ')
            nat.append(f'-A {ext_chain} -j {svc_chain}')
        for i, ep in enumerate(eps):
            sep = f'KUBE-SEP-{chain_hash(name, proto, ep)}'
            nat_chains.append(sep)
            left = len(eps) - i
            prob = f' -m statistic --mode random --probability {1 / left:.10f}' if left > 1 else ''
            nat.append(f'-A {svc_chain} -m comment --comment "{name} -> {ep}"{prob} -j {sep}')
            if svc.get('hairpinMasq', True):
                nat.append(f'-A {sep} -m comment --comment {name} -s {ep.split(":")[0]} -j KUBE-MARK-MASQ')
            nat.append(f'-A {sep} -m comment --comment {name} {match} -j DNAT --to-destination {ep}')
    nat.append('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS')
    nat.extend(nodeports)

    out = ['*filter', ':INPUT ACCEPT [0:0]', f':FORWARD {spec.get("forwardPolicy", "ACCEPT")} [0:0]', ':OUTPUT ACCEPT [0:0]']
    out += [f':{c} - [0:0]' for c in filt_chains] + filt + ['COMMIT', '*nat']
    out += [f':{c} ACCEPT [0:0]' for c in ('PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING')]
    out += [f':{c} - [0:0]' for c in nat_chains] + nat + ['COMMIT']
    return '\n'.join(out) + '\n'


if __name__ == '__main__':
    with open(sys.argv[1]) as f:
        sys.stdout.write(rules(json.load(f)))
