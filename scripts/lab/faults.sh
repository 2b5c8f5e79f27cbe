#!/usr/bin/env bash
# The two-node kernel lab (lib.sh) with induced faults: one healthy scenario and one per fault, each built from
# fresh namespaces, each written to OUTDIR/<scenario>/ as nodes/<node>/ (tcpdump per interface as pcap AND text of
# the same packets, ip addr, ip route, iptables-save -c, conntrack -L, brctl show, bridge -d link), transcripts/
# (the same commands as terminal sessions, plus the sysctls and counters that show what the kernel did) and
# scenario.json (the fault, the traffic and how each connection ended, the finding natlens should report).
#
#   sudo scripts/lab/faults.sh OUTDIR [SCENARIO...]      (default: every scenario)
#
# Scenarios: healthy no-endpoints forward-drop hairpin stale-endpoint asymmetric-reply. Unlike two-node.sh the
# nodes run br_netfilter (bridge-nf-call-iptables=1, as Kubernetes requires) instead of masqueradeAll, have a
# default route to a gateway 192.168.56.1 that does not exist (so unDNATed service traffic is routed, as on a
# real node), and carry kube-proxy's filter-table chains. Exits 1 when a fault did not reproduce.
set -euo pipefail

OUT=${1:?usage: faults.sh OUTDIR [SCENARIO...]}
shift
ALL_SCENARIOS=(healthy no-endpoints forward-drop hairpin stale-endpoint asymmetric-reply)
SCENARIOS=("$@")
[[ ${#SCENARIOS[@]} -gt 0 ]] || SCENARIOS=("${ALL_SCENARIOS[@]}")
LAB_NAME=faults.sh
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lab/lib.sh
source "$HERE/lib.sh"
lab_require ip iptables-restore iptables-save conntrack tcpdump brctl bridge nstat python3
trap lab_cleanup EXIT
trap 'exit 130' INT TERM
FAILED=()

HELLO=default/hello:http
A1=10.40.1.2:8080 B1=10.40.2.2:8080

# ---- building blocks -------------------------------------------------------------------------

scenario_begin() {
  SCENARIO=$1
  lab_init
  SC=$OUT/$SCENARIO
  rm -rf "$SC"
  mkdir -p "$SC/nodes/nodea" "$SC/nodes/nodeb" "$SC/transcripts"
  LAB_NODES_DIR=$SC/nodes LAB_TRANSCRIPTS_DIR=$SC/transcripts
  SENT=$WORK/sent.jsonl
  : >"$SENT"
  CAPTURED=false
  CAPTURE_CMDS='{}'
  lab_topology
  local ns
  for ns in "$NS_A" "$NS_B"; do
    in_ns "$ns" ip route add default via 192.168.56.1 dev eth0
    in_ns "$ns" sysctl -qw net.bridge.bridge-nf-call-iptables=1
  done
  : >"$SC/transcripts/nodea.txt"
  : >"$SC/transcripts/nodeb.txt"
}

# apply_rules NODE SERVICES_JSON [FORWARD_POLICY]: kube-proxy's full sync, iptables-restore of the whole ruleset
apply_rules() {
  local node=$1 services=$2 policy=${3:-ACCEPT}
  printf '{"clusterCidr":"10.40.0.0/16","forwardPolicy":"%s","services":%s}\n' "$policy" "$services" >"$WORK/spec-$node.json"
  "$PYTHON" "$HERE/kube_rules.py" "$WORK/spec-$node.json" | in_ns "$(node_ns "$node")" iptables-restore
}

# service NAME PROTO CLUSTER_IP PORT NODE_PORT|null HAIRPIN_MASQ ENDPOINT...: one service as kube_rules.py reads it
service() {
  local name=$1 proto=$2 ip=$3 port=$4 node_port=$5 masq=$6; shift 6
  local eps='' ep
  for ep in "$@"; do eps+="${eps:+,}\"$ep\""; done
  printf '{"name":"%s","proto":"%s","clusterIP":"%s","port":%d,"nodePort":%s,"endpoints":[%s],"hairpinMasq":%s}' \
    "$name" "$proto" "$ip" "$port" "$node_port" "$eps" "$masq"
}

# capture NODE IFACE [TCPDUMP_OPTIONS...]: text with -n -e -tt and the pcap of the same packets
capture() {
  local node=$1 iface=$2; shift 2
  lab_start_capture "$(node_ns "$node")" "$node" "$iface" '' -n -e -tt "$@"
  CAPTURE_CMDS=$("$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); d.setdefault(sys.argv[2], {})[sys.argv[3]]=sys.argv[4]; print(json.dumps(d))' \
    "$CAPTURE_CMDS" "$node" "$iface" "tcpdump -i $iface -n -e -tt $* -w $iface.pcap --print")
  CAPTURED=true
}

# probe ID FROM_POD PROTO SPORT DST DPORT TIMEOUT EXPECTED_OUTCOME: one connection (or datagram) and how it ended
probe() {
  local id=$1 from=$2 proto=$3 sport=$4 dst=$5 dport=$6 timeout=$7 expected=$8 ns src result
  case $from in
    a1) ns=$NS_A1 src=10.40.1.2 ;; a2) ns=$NS_A2 src=10.40.1.3 ;;
    b1) ns=$NS_B1 src=10.40.2.2 ;; b2) ns=$NS_B2 src=10.40.2.3 ;;
    client) ns=$NS_C src=192.168.56.100 ;;
    *) echo "faults.sh: unknown pod $from" >&2; exit 1 ;;
  esac
  result=$(in_ns "$ns" "$PYTHON" "$HERE/probe.py" "$proto" "$sport" "$dst" "$dport" "$timeout")
  "$PYTHON" -c 'import json,sys; r=json.loads(sys.argv[1]); keys=["id","from","proto","src","sport","dst","dport","timeoutSeconds","expectedOutcome","captured"]; vals=sys.argv[2:]; d=dict(zip(keys,vals)); d["sport"]=int(d["sport"]); d["dport"]=int(d["dport"]); d["timeoutSeconds"]=float(d["timeoutSeconds"]); d["captured"]=d["captured"]=="true"; d.update(r); print(json.dumps(d))' \
    "$result" "$id" "$from" "$proto" "$src" "$sport" "$dst" "$dport" "$timeout" "$expected" "$CAPTURED" >>"$SENT"
}

start_udp_server() {
  local pod=$1 name=$2
  ip netns exec "$pod" "$PYTHON" "$HERE/probe.py" udp-server 5353 "$name" >"$WORK/udp-$name.log" 2>&1 &
  PIDS+=($!)
  UDP_SERVER_PID=$!
}

# record_state: each node's state files and transcript (after the captures are stopped)
record_state() {
  local node ns
  lab_stop_captures
  for node in nodea nodeb; do
    ns=$(node_ns "$node")
    lab_record "$ns" "$node" conntrack.txt conntrack -L
    lab_record "$ns" "$node" ip-addr.txt ip addr
    lab_record "$ns" "$node" ip-route.txt ip route
    lab_record "$ns" "$node" iptables-save.txt iptables-save -c
    lab_record "$ns" "$node" brctl-show.txt brctl show
    lab_record "$ns" "$node" bridge-link.txt bridge -d link
    lab_record "$ns" "$node" - sysctl net.bridge.bridge-nf-call-iptables net.ipv4.conf.all.rp_filter
    if [[ -e $LAB_NODES_DIR/$node/eth0.pcap ]]; then
      lab_record_tcpdump_read "$ns" "$node" eth0.pcap 'icmp or tcp[tcpflags] & tcp-syn != 0 or udp'
    fi
  done
}

# scenario_end META_JSON: scenario.json, then the namespaces go
scenario_end() {
  local meta=$1
  lab_end_transcript nodea
  lab_end_transcript nodeb
  printf '%s\n' "$meta" >"$WORK/meta.json"
  "$PYTHON" -c 'import json,sys; m=json.load(open(sys.argv[1])); m["captures"]=json.loads(sys.argv[2]); json.dump(m, open(sys.argv[1],"w"))' \
    "$WORK/meta.json" "$CAPTURE_CMDS"
  if ! "$PYTHON" "$HERE/fault_scenario.py" "$WORK/meta.json" "$SENT" "$SC"; then
    FAILED+=("$SCENARIO")
  fi
  # Nodes without a single capture file keep only what was recorded; empty folders are not fixtures.
  find "$SC/nodes" -type d -empty -delete
  lab_cleanup
  echo "faults.sh: wrote $SC (namespaces suffix $SUFFIX)" >&2
}

wait_http() { lab_start_server "$1" "$2"; lab_wait_listening "$1" "$3"; }

# ---- scenarios -------------------------------------------------------------------------------

scenario_healthy() {
  scenario_begin healthy
  local svc
  svc="[$(service "$HELLO" tcp 10.96.0.10 80 30080 true "$A1" "$B1")]"
  apply_rules nodea "$svc"
  apply_rules nodeb "$svc"
  wait_http "$NS_A1" a1 10.40.1.2
  wait_http "$NS_B1" b1 10.40.2.2
  capture nodea eth0; capture nodea cbr0; capture nodeb eth0; capture nodeb cbr0
  # Pod a2 → ClusterIP until both endpoints have answered (2 to 6 connections), then the client → NodePort.
  local sport=40001
  while (( sport <= 40006 )); do
    probe "cluster-ip-$sport" a2 tcp "$sport" 10.96.0.10 80 3 answered
    if (( sport >= 40002 )) && grep -q '"answeredBy": "a1"' "$SENT" && grep -q '"answeredBy": "b1"' "$SENT"; then break; fi
    sport=$((sport + 1))
  done
  probe node-port client tcp 40101 192.168.56.12 30080 3 answered
  sleep 0.3
  record_state
  scenario_end "$(cat <<JSON
{"scenario": "healthy", "description": "default/hello:http (ClusterIP 10.96.0.10:80, NodePort 30080, endpoints a1 $A1 and b1 $B1) answering pod a2 through its ClusterIP and the client through nodeb's NodePort.",
 "fault": {"induced": null, "kernel": "Every connection was DNATed by its KUBE-SEP rule and answered by the endpoint its HTTP body names."},
 "services": $svc,
 "expected": {"findings": [], "noErrorFindings": true}}
JSON
)"
}

scenario_no_endpoints() {
  scenario_begin no-endpoints
  local svc
  svc="[$(service "$HELLO" tcp 10.96.0.10 80 30080 true "$A1" "$B1"),$(service default/empty:http tcp 10.96.0.20 80 30081 true)]"
  apply_rules nodea "$svc"
  apply_rules nodeb "$svc"
  capture nodea eth0; capture nodea cbr0; capture nodeb eth0; capture nodeb cbr0
  probe empty-cluster-ip a2 tcp 40201 10.96.0.20 80 3 refused
  probe empty-node-port client tcp 40202 192.168.56.12 30081 3 refused
  sleep 0.3
  record_state
  scenario_end "$(cat <<JSON
{"scenario": "no-endpoints", "description": "default/empty:http (ClusterIP 10.96.0.20:80, NodePort 30081) has no endpoints; kube-proxy writes REJECT rules for it in filter KUBE-SERVICES (ClusterIP, reached from FORWARD/OUTPUT) and KUBE-EXTERNAL-SERVICES (NodePort, reached from INPUT/FORWARD). Pod a2 connects to the ClusterIP, the client to nodeb's NodePort.",
 "fault": {"induced": "a Service without endpoints (kube-proxy's 'has no endpoints' REJECT rules)",
           "kernel": "nodea's FORWARD → KUBE-SERVICES REJECT answered a2's SYN with ICMP port unreachable; nodeb's INPUT → KUBE-EXTERNAL-SERVICES REJECT answered the client's SYN likewise; both connect() calls failed with ECONNREFUSED."},
 "services": $svc,
 "expected": {"findings": [
   {"kind": "service-without-endpoints", "severity": "error", "service": "default/empty:http", "nodes": ["nodea", "nodeb"],
    "rules": [{"file": "nodes/nodea/iptables-save.txt", "contains": ["-A KUBE-SERVICES", "default/empty:http has no endpoints", "-j REJECT"]},
              {"file": "nodes/nodeb/iptables-save.txt", "contains": ["-A KUBE-EXTERNAL-SERVICES", "default/empty:http has no endpoints", "-j REJECT"]}],
    "flows": [{"proto": "tcp", "src": "10.40.1.3", "sport": 40201, "dst": "10.96.0.20", "dport": 80, "node": "nodea", "verdict": "reject"},
              {"proto": "tcp", "src": "192.168.56.100", "sport": 40202, "dst": "192.168.56.12", "dport": 30081, "node": "nodeb", "verdict": "reject"}]}]}}
JSON
)"
}

scenario_forward_drop() {
  scenario_begin forward-drop
  local svc
  svc="[$(service "$HELLO" tcp 10.96.0.10 80 30080 true "$B1")]"
  apply_rules nodea "$svc"
  apply_rules nodeb "$svc" DROP
  wait_http "$NS_B1" b1 10.40.2.2
  capture nodea eth0; capture nodea cbr0; capture nodeb eth0; capture nodeb cbr0
  probe pod-to-pod a2 tcp 40301 10.40.2.2 8080 3 timed-out
  # The control: NodePort traffic is marked 0x4000 by KUBE-EXT, so KUBE-FORWARD accepts it despite the policy.
  probe node-port client tcp 40302 192.168.56.12 30080 3 answered
  sleep 0.3
  record_state
  scenario_end "$(cat <<JSON
{"scenario": "forward-drop", "description": "nodeb's filter FORWARD policy is DROP and nothing (no CNI rule such as -s 10.40.0.0/16 -j ACCEPT) accepts pod traffic that kube-proxy did not mark: pod a2 on nodea connects straight to pod b1 10.40.2.2:8080 on nodeb. The client's NodePort connection to the same pod is marked 0x4000 by KUBE-EXT and accepted by KUBE-FORWARD.",
 "fault": {"induced": "nodeb: iptables -P FORWARD DROP without an ACCEPT for pod-to-pod traffic",
           "kernel": "nodea forwarded a2's SYN out eth0; nodeb received it on eth0 and dropped it at the FORWARD policy (its policy counter counts the SYN and its retransmissions); a2's connect() timed out. The marked NodePort connection was forwarded and answered."},
 "services": $svc,
 "expected": {"findings": [
   {"kind": "packet-dropped", "severity": "error", "service": null, "nodes": ["nodeb"],
    "rules": [{"file": "nodes/nodeb/iptables-save.txt", "contains": [":FORWARD DROP"]}],
    "flows": [{"proto": "tcp", "src": "10.40.1.3", "sport": 40301, "dst": "10.40.2.2", "dport": 8080, "node": "nodeb", "in": "eth0", "verdict": "drop"}]}]}}
JSON
)"
}

scenario_hairpin() {
  scenario_begin hairpin
  local svc
  # One endpoint, a1 itself, so the hairpin is certain; kube-proxy's "-s 10.40.1.2 -j KUBE-MARK-MASQ" left out.
  svc="[$(service "$HELLO" tcp 10.96.0.10 80 30080 false "$A1")]"
  apply_rules nodea "$svc"
  apply_rules nodeb "$svc"
  wait_http "$NS_A1" a1 10.40.1.2
  # -p: a promiscuous bridge passes a copy of every frame up to the host, which is kubenet's
  # promiscuous-bridge hairpin fix; the capture must not turn it on.
  capture nodea cbr0 -p
  capture nodea veth-a1
  capture nodea veth-a2
  probe hairpin a1 tcp 40401 10.96.0.10 80 3 timed-out
  probe other-pod a2 tcp 40402 10.96.0.10 80 3 answered
  sleep 0.3
  record_state
  scenario_end "$(cat <<JSON
{"scenario": "hairpin", "description": "Pod a1 (10.40.1.2) calls its own service's ClusterIP 10.96.0.10:80; the service's only endpoint is a1 itself. Its KUBE-SEP chain lacks kube-proxy's '-s 10.40.1.2/32 -j KUBE-MARK-MASQ' (no hairpin masquerade), veth-a1 has hairpin mode off and cbr0 is not promiscuous; nodea runs br_netfilter. Pod a2 calling the same ClusterIP is the control.",
 "fault": {"induced": "hairpin traffic without masquerade: no KUBE-MARK-MASQ for -s <endpoint> in the KUBE-SEP chain, bridge port hairpin off, bridge not promiscuous",
           "kernel": "br_netfilter ran nat PREROUTING on the bridged SYN (a1 → cbr0's MAC) and the KUBE-SEP rule DNATed it to 10.40.1.2:8080, a1 itself. The route to 10.40.1.2 is cbr0, the bridge the SYN came from, so br_netfilter sent it back into the bridge (bridged DNAT; cbr0's capture shows it leaving with cbr0's MAC towards a1's) to be forwarded from veth-a1, the port it arrived on, and the bridge dropped it there because veth-a1's hairpin mode is off. veth-a1 shows each SYN leaving a1 and nothing coming back; the dropped connection was never confirmed, so nodea's conntrack has no entry for it; a1's connect() timed out. (Checked while building the lab: with hairpin on, the SYN does reach a1, from its own address 10.40.1.2, and a1 still does not answer: only the masquerade makes the hairpin work.)"},
 "services": $svc,
 "expected": {"findings": [
   {"kind": "hairpin-without-masquerade", "severity": "error", "service": "default/hello:http", "nodes": ["nodea"],
    "rules": [{"file": "nodes/nodea/iptables-save.txt", "contains": ["-A KUBE-SEP-", "-j DNAT --to-destination 10.40.1.2:8080"]}],
    "missingRule": "-A KUBE-SEP-<hash> -s 10.40.1.2/32 -m comment --comment default/hello:http -j KUBE-MARK-MASQ",
    "conntrack": [],
    "flows": [{"proto": "tcp", "src": "10.40.1.2", "sport": 40401, "dst": "10.96.0.10", "dport": 80, "node": "nodea", "in": "veth-a1", "dnatTo": "10.40.1.2:8080"}]}]}}
JSON
)"
}

scenario_stale_endpoint() {
  scenario_begin stale-endpoint
  local before after
  before="[$(service default/echo:udp udp 10.96.0.30 53 null true 10.40.1.2:5353)]"
  after="[$(service default/echo:udp udp 10.96.0.30 53 null true 10.40.2.2:5353)]"
  apply_rules nodea "$before"
  apply_rules nodeb "$before"
  start_udp_server "$NS_A1" a1
  local a1_server=$UDP_SERVER_PID
  start_udp_server "$NS_B1" b1
  sleep 0.5
  # Before the rollout (not captured): a2's datagrams from port 40501 reach endpoint X = a1.
  probe before-1 a2 udp 40501 10.96.0.30 53 2 answered
  probe before-2 a2 udp 40501 10.96.0.30 53 2 answered
  lab_record "$NS_A" nodea - iptables-save -c
  lab_record "$NS_A" nodea - conntrack -L
  # The rollout: pod a1 goes away, kube-proxy's next sync points the service at Y = b1. kube-proxy would also
  # delete the UDP conntrack entries to the removed endpoint (conntrack -D); here that cleanup does not happen.
  kill "$a1_server"
  in_ns "$NS_A" ip link del veth-a1
  apply_rules nodea "$after"
  apply_rules nodeb "$after"
  capture nodea eth0; capture nodea cbr0; capture nodeb eth0; capture nodeb cbr0
  probe after-1 a2 udp 40501 10.96.0.30 53 1 timed-out
  probe after-2 a2 udp 40501 10.96.0.30 53 1 timed-out
  probe new-flow a2 udp 40502 10.96.0.30 53 2 answered
  sleep 0.3
  record_state
  scenario_end "$(cat <<JSON
{"scenario": "stale-endpoint", "description": "A rollout of default/echo:udp (ClusterIP 10.96.0.30:53/UDP): pod a2 talks to it from port 40501 while its endpoint is X = a1 10.40.1.2:5353; then a1 is deleted and the rules are replaced so the only endpoint is Y = b1 10.40.2.2:5353, without deleting the conntrack entries to X. Captures and the node state are taken after the rollout; the transcript of nodea also holds iptables-save and conntrack -L from before it.",
 "fault": {"induced": "stale UDP conntrack entry to a removed endpoint (kube-proxy's conntrack cleanup for UDP did not run)",
           "kernel": "a2's datagrams from port 40501 kept matching the conntrack entry made before the rollout, so nodea DNATed them to 10.40.1.2:5353 (X, gone) instead of traversing the new rules: they went out cbr0 and nothing answered (timed out). A datagram from a new port (40502) was DNATed by the new KUBE-SEP rule to Y and answered by b1."},
 "services": $after,
 "servicesBeforeRollout": $before,
 "expected": {"findings": [
   {"kind": "stale-endpoint", "severity": "error", "service": "default/echo:udp", "nodes": ["nodea"],
    "staleEndpoint": "10.40.1.2:5353", "currentEndpoints": ["10.40.2.2:5353"],
    "conntrack": [{"file": "nodes/nodea/conntrack.txt", "contains": ["src=10.40.1.3 dst=10.96.0.30 sport=40501 dport=53 src=10.40.1.2 dst=10.40.1.3 sport=5353 dport=40501"]}],
    "rules": [{"file": "nodes/nodea/iptables-save.txt", "contains": ["-A KUBE-SEP-", "-j DNAT --to-destination 10.40.2.2:5353"]}],
    "flows": [{"proto": "udp", "src": "10.40.1.3", "sport": 40501, "dst": "10.96.0.30", "dport": 53, "node": "nodea", "dnatTo": "10.40.1.2:5353"}]}]}}
JSON
)"
}

scenario_asymmetric_reply() {
  scenario_begin asymmetric-reply
  local svc rp
  svc="[$(service "$HELLO" tcp 10.96.0.10 80 30080 true "$A1" "$B1")]"
  apply_rules nodea "$svc"
  apply_rules nodeb "$svc"
  # A second, direct link between the nodes: nodea eth1 192.168.57.11 — nodeb eth1 192.168.57.12.
  in_ns "$NS_A" ip link add eth1 type veth peer name eth1 netns "$NS_B"
  in_ns "$NS_A" ip addr add 192.168.57.11/24 dev eth1
  in_ns "$NS_B" ip addr add 192.168.57.12/24 dev eth1
  in_ns "$NS_A" ip link set eth1 up
  in_ns "$NS_B" ip link set eth1 up
  # The fault: a more specific route on nodeb sends what goes to pod a2 over eth1, while nodea reaches nodeb's
  # pods over eth0; nodea checks reverse paths strictly.
  in_ns "$NS_B" ip route add 10.40.1.3/32 via 192.168.57.11 dev eth1
  in_ns "$NS_A" sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.eth1.rp_filter=1
  wait_http "$NS_B1" b1 10.40.2.2
  capture nodea eth0; capture nodea eth1; capture nodea cbr0
  capture nodeb eth0; capture nodeb eth1; capture nodeb cbr0
  probe pod-to-pod a2 tcp 40601 10.40.2.2 8080 3 timed-out
  sleep 0.3
  lab_record "$NS_A" nodea - sysctl net.ipv4.conf.eth0.rp_filter net.ipv4.conf.eth1.rp_filter
  lab_record "$NS_A" nodea - nstat -a -s -z TcpExtIPReversePathFilter
  rp=$(in_ns "$NS_A" nstat -a -s -z TcpExtIPReversePathFilter | awk '$1 == "TcpExtIPReversePathFilter" {print $2}')
  record_state
  scenario_end "$(cat <<JSON
{"scenario": "asymmetric-reply", "description": "Pod a2 on nodea connects straight to pod b1 10.40.2.2:8080 on nodeb. Requests go nodea eth0 → nodeb eth0 (route 10.40.2.0/24 via 192.168.56.12); a more specific route on nodeb (10.40.1.3 via 192.168.57.11 dev eth1) sends the replies over a second link to nodea's eth1, where strict reverse-path filtering (rp_filter=1) drops them.",
 "fault": {"induced": "asymmetric reply path: nodeb route 10.40.1.3/32 via 192.168.57.11 dev eth1, nodea rp_filter=1",
           "kernel": "b1's SYN-ACKs left nodeb through eth1 and arrived on nodea's eth1; nodea's route back to 10.40.2.2 is eth0, so rp_filter dropped them (TcpExtIPReversePathFilter counted them) after conntrack had seen them; they never reached cbr0 or a2, whose connect() timed out."},
 "measured": {"nodea": {"TcpExtIPReversePathFilter": ${rp:-0}}},
 "services": $svc,
 "expected": {"findings": [
   {"kind": "asymmetric-reply", "severity": "error", "service": null, "nodes": ["nodeb", "nodea"],
    "rules": [{"file": "nodes/nodeb/ip-route.txt", "contains": ["10.40.1.3 via 192.168.57.11 dev eth1"]}],
    "replyPath": {"expected": {"node": "nodeb", "out": "eth0", "nextHop": "192.168.56.11"}, "captured": {"node": "nodeb", "out": "eth1", "nextHop": "192.168.57.11"}, "droppedAt": {"node": "nodea", "in": "eth1", "by": "rp_filter"}},
    "flows": [{"proto": "tcp", "src": "10.40.1.3", "sport": 40601, "dst": "10.40.2.2", "dport": 8080, "node": "nodea"}]}]}}
JSON
)"
}

mkdir -p "$OUT"
for s in "${SCENARIOS[@]}"; do
  case $s in
    healthy) scenario_healthy ;;
    no-endpoints) scenario_no_endpoints ;;
    forward-drop) scenario_forward_drop ;;
    hairpin) scenario_hairpin ;;
    stale-endpoint) scenario_stale_endpoint ;;
    asymmetric-reply) scenario_asymmetric_reply ;;
    *) echo "faults.sh: unknown scenario $s (known: ${ALL_SCENARIOS[*]})" >&2; exit 2 ;;
  esac
done
if [[ ${#FAILED[@]} -gt 0 ]]; then
  echo "faults.sh: the fault did not reproduce as expected in: ${FAILED[*]}" >&2
  exit 1
fi
