#!/usr/bin/env bash
# A pod calling its own Service (hairpin), on one kubenet-like node built inside network namespaces, and what
# the real kernel shows of it: tcpdump on cbr0 and on any (pcap and text of the same packets), conntrack -L,
# iptables-save -c, ip addr, ip route, bridge link. Everything it creates is named nl-*-<suffix> and removed on exit.
#
#   sudo scripts/lab/hairpin.sh OUTDIR                  # with kube-proxy's masquerade for the hairpin: it works
#   sudo scripts/lab/hairpin.sh --no-masquerade OUTDIR  # without it: the pod answers itself, the connection fails
#
# nodea: cbr0 10.40.1.1/24 with hairpin mode on the pod's port and br_netfilter on (bridge-nf-call-iptables=1,
# as kubenet sets it); pod a1 10.40.1.2 serves :8080 and is the only endpoint of default/self (ClusterIP
# 10.96.0.10:80, port without a name). kube-proxy's KUBE-MARK-MASQ for traffic from the endpoint itself makes
# the hairpin work: the pod sends to 10.96.0.10:80, the kernel DNATs to 10.40.1.2:8080 and masquerades to 10.40.1.1.
set -euo pipefail

MASQ=1
if [[ ${1:-} == --no-masquerade ]]; then MASQ=0; shift; fi
OUT=${1:?usage: hairpin.sh [--no-masquerade] OUTDIR}
[[ $(id -u) -eq 0 ]] || { echo "hairpin.sh: needs root (network namespaces)" >&2; exit 2; }
for tool in ip iptables-restore iptables-save conntrack tcpdump bridge curl python3; do
  command -v "$tool" >/dev/null || { echo "hairpin.sh: $tool not found" >&2; exit 2; }
done
PYTHON=$(python3 -c 'import sys; print(sys.executable)')

SUFFIX=$(printf '%04x' $(( ($$ ^ RANDOM) & 0xffff )))
NS_A=nl-hpnode-$SUFFIX NS_A1=nl-hpa1-$SUFFIX
ALL_NS=("$NS_A1" "$NS_A")
WORK=$(mktemp -d /tmp/nl-hairpin-$SUFFIX.XXXXXX)
PIDS=()

cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  for ns in "${ALL_NS[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
  done
  for ns in "${ALL_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

for ns in "${ALL_NS[@]}"; do
  ip netns add "$ns"
  in_ns "$ns" ip link set lo up
  in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done

in_ns "$NS_A" sysctl -qw net.ipv4.ip_forward=1
in_ns "$NS_A" ip link add cbr0 type bridge
in_ns "$NS_A" ip addr add 10.40.1.1/24 dev cbr0
in_ns "$NS_A" ip link set cbr0 up
if ! in_ns "$NS_A" test -e /proc/sys/net/bridge/bridge-nf-call-iptables; then
  echo "hairpin.sh: br_netfilter is not loaded (modprobe br_netfilter)" >&2
  exit 2
fi
in_ns "$NS_A" sysctl -qw net.bridge.bridge-nf-call-iptables=1

in_ns "$NS_A" ip link add veth-a1 type veth peer name eth0 netns "$NS_A1"
in_ns "$NS_A" ip link set veth-a1 master cbr0 up
in_ns "$NS_A" bridge link set dev veth-a1 hairpin on
in_ns "$NS_A1" ip addr add 10.40.1.2/24 dev eth0
in_ns "$NS_A1" ip link set eth0 up
in_ns "$NS_A1" ip route add default via 10.40.1.1

RULES=$(cat <<'EOF'
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-SELFSELFSELFSELF - [0:0]
:KUBE-SEP-SELFA1A1A1A1A1A1 - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE
-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/self: cluster IP" -m tcp --dport 80 -j KUBE-SVC-SELFSELFSELFSELF
-A KUBE-SVC-SELFSELFSELFSELF -m comment --comment "default/self: -> 10.40.1.2:8080" -j KUBE-SEP-SELFA1A1A1A1A1A1
-A KUBE-SEP-SELFA1A1A1A1A1A1 -s 10.40.1.2/32 -m comment --comment "default/self:" -j KUBE-MARK-MASQ
-A KUBE-SEP-SELFA1A1A1A1A1A1 -p tcp -m comment --comment "default/self:" -m tcp -j DNAT --to-destination 10.40.1.2:8080
COMMIT
EOF
)
# Without masquerade the endpoint's own traffic is only DNATed: its reply goes straight back to itself.
(( MASQ )) || RULES=$(grep -v -- '-j KUBE-MARK-MASQ$' <<<"$RULES")
in_ns "$NS_A" iptables-restore <<<"$RULES"

mkdir -p "$WORK/www"
echo "hello from a1" >"$WORK/www/index.html"
ip netns exec "$NS_A1" "$PYTHON" -m http.server 8080 --bind 0.0.0.0 --directory "$WORK/www" >"$WORK/server.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 100); do in_ns "$NS_A1" "$PYTHON" -c 'import socket; socket.create_connection(("127.0.0.1", 8080), 1)' 2>/dev/null && break; sleep 0.05; done

NODE_DIR="$OUT/nodes/nodea"
mkdir -p "$NODE_DIR"
CAPTURES=()
start_capture() {
  local iface=$1 filter=$2; shift 2
  ip netns exec "$NS_A" env --default-signal=INT tcpdump -i "$iface" -Z root -U -l "$@" -w "$NODE_DIR/$iface.pcap" --print ${filter:+"$filter"} >"$NODE_DIR/$iface.tcpdump.txt" 2>"$WORK/$iface.err" &
  local pid=$!
  PIDS+=("$pid")
  CAPTURES+=("$pid")
  for _ in $(seq 1 100); do
    grep -q 'listening on' "$WORK/$iface.err" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "hairpin.sh: tcpdump on $iface did not start:" >&2
  cat "$WORK/$iface.err" >&2
  exit 1
}
start_capture cbr0 'tcp' -n -e -tt
start_capture any 'tcp' -n -tt -v -S

SENT=()
for sport in 42001 42002; do
  body=$(in_ns "$NS_A1" curl -s --max-time 2 --local-port "$sport" http://10.96.0.10:80/ || echo FAILED)
  SENT+=("{\"kind\":\"hairpin\",\"from\":\"a1\",\"src\":\"10.40.1.2\",\"sport\":$sport,\"dst\":\"10.96.0.10\",\"dport\":80,\"proto\":\"tcp\",\"answeredBy\":\"${body#hello from }\"}")
done
sleep 0.5

for pid in "${CAPTURES[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
for pid in "${CAPTURES[@]}"; do
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done

in_ns "$NS_A" ip addr >"$NODE_DIR/ip-addr.txt"
in_ns "$NS_A" ip route >"$NODE_DIR/ip-route.txt"
in_ns "$NS_A" iptables-save -c >"$NODE_DIR/iptables-save.txt"
in_ns "$NS_A" conntrack -L >"$NODE_DIR/conntrack.txt" 2>/dev/null
in_ns "$NS_A" bridge link >"$NODE_DIR/bridge-link.txt"

{
  printf '{\n  "generatedBy": "scripts/lab/hairpin.sh%s",\n  "kernel": "%s",\n  "sent": [\n' "$( (( MASQ )) || echo ' --no-masquerade')" "$(uname -r)"
  for i in "${!SENT[@]}"; do printf '    %s%s\n' "${SENT[$i]}" "$([[ $i -lt $((${#SENT[@]} - 1)) ]] && echo ,)"; done
  printf '  ]\n}\n'
} >"$OUT/scenario.json"
echo "hairpin.sh: wrote $OUT" >&2
