#!/usr/bin/env bash
# Builds a two-node, Kubernetes-like topology entirely inside network namespaces, sends known traffic through
# kube-proxy-style iptables rules, and writes what the real kernel shows (ip, iptables, conntrack, tcpdump text
# and pcap, bridge, terminal transcripts) to OUTDIR. Everything it creates is named nl-*-<suffix> and removed on exit.
#
#   sudo scripts/lab/two-node.sh OUTDIR
#
# Topology (node network 192.168.56.0/24 is a bridge in its own "switch" namespace, so a client can join it):
#   client 192.168.56.100 ─┐
#   nodea  192.168.56.11  ─┼─ switch (br0)        nodea: cbr0 10.40.1.1/24, pods a1 .2 (endpoint), a2 .3 (client)
#   nodeb  192.168.56.12  ─┘                      nodeb: cbr0 10.40.2.1/24, pods b1 .2 (endpoint), b2 .3
# Service default/hello:http: ClusterIP 10.96.0.10:80, NodePort 30080 → 10.40.1.2:8080 and 10.40.2.2:8080.
set -euo pipefail

OUT=${1:?usage: two-node.sh OUTDIR}
LAB_NAME=two-node.sh
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_require ip iptables-restore iptables-save iptables conntrack tcpdump brctl bridge curl python3
lab_init
LAB_NODES_DIR=$OUT/nodes LAB_TRANSCRIPTS_DIR=$OUT/transcripts
trap lab_cleanup EXIT
trap 'exit 130' INT TERM

lab_topology

# ---- kube-proxy-style rules (iptables mode, masqueradeAll so same-node hairpin works without br_netfilter) ----

SVC=KUBE-SVC-TCOU7JCQXEZGVUNU EXT=KUBE-EXT-TCOU7JCQXEZGVUNU
SEP_A=KUBE-SEP-IT2ZTR26TO4XFPTO SEP_B=KUBE-SEP-ZP3FB6NMPNCO4VBJ
kube_rules() {
  cat <<RULES
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:KUBE-FORWARD - [0:0]
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-MARK-MASQ - [0:0]
:$SVC - [0:0]
:$EXT - [0:0]
:$SEP_A - [0:0]
:$SEP_B - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE
-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/hello:http cluster IP" -m tcp --dport 80 -j $SVC
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-NODEPORTS -p tcp -m comment --comment "default/hello:http" -m tcp --dport 30080 -j $EXT
-A $EXT -m comment --comment "masquerade traffic for default/hello:http external destinations" -j KUBE-MARK-MASQ
-A $EXT -j $SVC
-A $SVC -d 10.96.0.10/32 -p tcp -m comment --comment "default/hello:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A $SVC -m comment --comment "default/hello:http -> 10.40.1.2:8080" -m statistic --mode random --probability 0.50000000000 -j $SEP_A
-A $SVC -m comment --comment "default/hello:http -> 10.40.2.2:8080" -j $SEP_B
-A $SEP_A -s 10.40.1.2/32 -m comment --comment "default/hello:http" -j KUBE-MARK-MASQ
-A $SEP_A -p tcp -m comment --comment "default/hello:http" -m tcp -j DNAT --to-destination 10.40.1.2:8080
-A $SEP_B -s 10.40.2.2/32 -m comment --comment "default/hello:http" -j KUBE-MARK-MASQ
-A $SEP_B -p tcp -m comment --comment "default/hello:http" -m tcp -j DNAT --to-destination 10.40.2.2:8080
COMMIT
RULES
}
kube_rules | in_ns "$NS_A" iptables-restore
kube_rules | in_ns "$NS_B" iptables-restore

# ---- servers: a tiny HTTP server in each endpoint pod, answering with the pod's name ---------------

lab_start_server "$NS_A1" a1
lab_start_server "$NS_B1" b1
lab_wait_listening "$NS_A1" 10.40.1.2
lab_wait_listening "$NS_B1" 10.40.2.2
# The readiness probes above leave conntrack entries in the pods only, never in the nodes.

# ---- captures: tcpdump prints text and writes the pcap of the same packets ---------------------

for node in nodea nodeb; do
  ns=$(node_ns "$node")
  lab_start_capture "$ns" "$node" eth0 '' -n -e -tt
  lab_start_capture "$ns" "$node" cbr0 '' -n -e -tt
  # Every interface at once, kept small: ARP, ICMP and the SYN/FIN packets of each connection.
  lab_start_capture "$ns" "$node" any 'arp or icmp or tcp[tcpflags] & (tcp-syn|tcp-fin) != 0' -n -tt -v -S
done

# ---- traffic ---------------------------------------------------------------------------------

SCENARIO_SENT="$WORK/sent.jsonl"
: >"$SCENARIO_SENT"
# http FROM_NS FROM_NAME FROM_IP DST_IP DST_PORT SPORT KIND
http() {
  local ns=$1 name=$2 src=$3 dst=$4 dport=$5 sport=$6 kind=$7 body
  body=$(in_ns "$ns" curl -s --max-time 5 --local-port "$sport" "http://$dst:$dport/" || echo "FAILED")
  body=${body%$'\n'}
  printf '{"kind":"%s","from":"%s","src":"%s","sport":%d,"dst":"%s","dport":%d,"proto":"tcp","answeredBy":"%s"}\n' \
    "$kind" "$name" "$src" "$sport" "$dst" "$dport" "${body#hello from }" >>"$SCENARIO_SENT"
}

# Pod a2 → ClusterIP: at least 4 connections, more (up to 12) until both endpoints have answered.
sport=40001
while (( sport <= 40012 )); do
  http "$NS_A2" a2 10.40.1.3 10.96.0.10 80 "$sport" cluster-ip
  if (( sport >= 40004 )) && grep '"cluster-ip"' "$SCENARIO_SENT" | grep -q '"answeredBy":"a1"' \
      && grep '"cluster-ip"' "$SCENARIO_SENT" | grep -q '"answeredBy":"b1"'; then
    break
  fi
  sport=$((sport + 1))
done
# External client → NodePort on nodeb: at least 2 connections, more (up to 8) until both endpoints have answered.
sport=41001
while (( sport <= 41008 )); do
  http "$NS_C" client 192.168.56.100 192.168.56.12 30080 "$sport" node-port
  if (( sport >= 41002 )) && grep '"node-port"' "$SCENARIO_SENT" | grep -q '"answeredBy":"a1"' \
      && grep '"node-port"' "$SCENARIO_SENT" | grep -q '"answeredBy":"b1"'; then
    break
  fi
  sport=$((sport + 1))
done
# Pod a2 → pod b2, two echo requests.
in_ns "$NS_A2" ping -c 2 -i 0.2 -W 2 10.40.2.3 >"$WORK/ping.txt" 2>&1 || true
printf '{"kind":"ping","from":"a2","src":"10.40.1.3","dst":"10.40.2.3","proto":"icmp","count":2,"received":%s}\n' \
  "$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$WORK/ping.txt" | head -1)" >>"$SCENARIO_SENT"
sleep 0.5

lab_stop_captures

# ---- state of each node, and a terminal transcript of the same commands --------------------------

for node in nodea nodeb; do
  ns=$(node_ns "$node")
  mkdir -p "$OUT/transcripts"
  : >"$OUT/transcripts/$node.txt"
  lab_record "$ns" "$node" conntrack.txt conntrack -L
  lab_record "$ns" "$node" ip-addr.txt ip addr
  lab_record "$ns" "$node" ip-route.txt ip route
  lab_record "$ns" "$node" iptables-save.txt iptables-save -c
  lab_record "$ns" "$node" iptables-nat-list.txt iptables -t nat -L -n -v
  lab_record "$ns" "$node" brctl-show.txt brctl show
  lab_record "$ns" "$node" bridge-link.txt bridge link
  # tcpdump as typed at the node: banner on stderr, then the packets (connection openings and pings only).
  lab_record_tcpdump_read "$ns" "$node" eth0.pcap 'icmp or tcp[tcpflags] & tcp-syn != 0'
  lab_end_transcript "$node"
done

# ---- scenario.json: what was sent, and which pod conntrack says each connection went to -------------

"$PYTHON" - "$SCENARIO_SENT" "$OUT" <<'PY'
import json, re, sys
sent_path, out = sys.argv[1], sys.argv[2]
sent = [json.loads(line) for line in open(sent_path) if line.strip()]
entries = {}
for node in ('nodea', 'nodeb'):
    for line in open(f'{out}/nodes/{node}/conntrack.txt'):
        m = re.match(r'(\w+)\s+(\d+)\s+(\d+)\s+(?:([A-Z_]+)\s+)?(.*)', line)
        if not m:
            continue
        kv = re.findall(r'(\w+)=(\S+)', m.group(5))
        tuples, cur = [], {}
        for k, v in kv:
            if k == 'src' and 'src' in cur:
                tuples.append(cur); cur = {}
            if k in ('src', 'dst', 'sport', 'dport', 'type', 'code', 'id'):
                cur[k] = v
        tuples.append(cur)
        if len(tuples) < 2:
            continue
        orig, reply = tuples[0], tuples[1]
        entries.setdefault(node, []).append({
            'proto': m.group(1), 'state': m.group(4), 'original': orig, 'reply': reply,
            'line': line.rstrip('\n'),
        })
for s in sent:
    s['conntrack'] = []
    for node, es in entries.items():
        for e in es:
            o = e['original']
            if s['proto'] == 'tcp' and e['proto'] == 'tcp' and o.get('src') == s['src'] and o.get('dst') == s['dst'] \
                    and o.get('sport') == str(s['sport']) and o.get('dport') == str(s['dport']):
                s['conntrack'].append({'node': node, 'state': e['state'],
                    'dnatTo': f"{e['reply']['src']}:{e['reply']['sport']}",
                    'snatTo': e['reply']['dst'] if e['reply']['dst'] != s['src'] else None,
                    'line': e['line']})
                # The same connection as the next node sees it, after this node's NAT.
                r = e['reply']
                for other, more in entries.items():
                    for f in more:
                        fo = f['original']
                        if other != node and f['proto'] == 'tcp' and fo.get('src') == r['dst'] and fo.get('sport') == r['dport'] \
                                and fo.get('dst') == r['src'] and fo.get('dport') == r['sport']:
                            s['conntrack'].append({'node': other, 'state': f['state'],
                                'dnatTo': f"{f['reply']['src']}:{f['reply']['sport']}", 'snatTo': None,
                                'line': f['line']})
            if s['proto'] == 'icmp' and e['proto'] == 'icmp' and o.get('src') == s['src'] and o.get('dst') == s['dst']:
                s['conntrack'].append({'node': node, 'state': e['state'], 'line': e['line']})
scenario = {
    'generatedBy': 'scripts/lab/two-node.sh',
    'nodes': {
        'nodea': {'ip': '192.168.56.11', 'podCidr': '10.40.1.0/24', 'cbr0': '10.40.1.1',
                  'pods': {'a1': '10.40.1.2', 'a2': '10.40.1.3'}},
        'nodeb': {'ip': '192.168.56.12', 'podCidr': '10.40.2.0/24', 'cbr0': '10.40.2.1',
                  'pods': {'b1': '10.40.2.2', 'b2': '10.40.2.3'}},
        'client': {'ip': '192.168.56.100'},
    },
    'service': {'name': 'default/hello:http', 'clusterIP': '10.96.0.10', 'port': 80, 'nodePort': 30080,
                'endpoints': ['10.40.1.2:8080', '10.40.2.2:8080'], 'masqueradeAll': True},
    'captures': {'eth0': 'tcpdump -n -e -tt', 'cbr0': 'tcpdump -n -e -tt', 'any': "tcpdump -i any -n -tt -v -S 'arp or icmp or tcp[tcpflags] & (tcp-syn|tcp-fin) != 0'"},
    'sent': sent,
}
json.dump(scenario, open(f'{out}/scenario.json', 'w'), indent=2)
open(f'{out}/scenario.json', 'a').write('\n')
PY
echo "two-node.sh: wrote $OUT (namespaces suffix $SUFFIX)" >&2
