#!/usr/bin/env bash
# Loads one ruleset (test/fixtures/forms/lab.rules, lab6.rules) into a network namespace and writes what the
# kernel's iptables prints for it in every common form, for the forms tests:
#   save.txt                   iptables-save
#   S-TABLE.txt / Sv-TABLE.txt iptables -t TABLE -S / -S -v
#   S-chain.txt                iptables -t nat -S KUBE-SVC-HELLOTPW5SKX6ZGQ
#   L-chain.txt                iptables -t nat -L KUBE-SVC-HELLOTPW5SKX6ZGQ -n -v --line-numbers
#   Lv-filter.txt              iptables -L -v                  (names, and `any` for no interface)
#   Lnl-filter.txt             iptables -nL --line-numbers     (a num column, no counters or interfaces)
#   Lnv-TABLE.txt              iptables -t TABLE -L -n -v --line-numbers
#   Lnvx-TABLE.txt             iptables -t TABLE -L -n -v -x
#   Ln-TABLE.txt               iptables -t TABLE -L -n
#   L-TABLE.txt                iptables -t TABLE -L            (names: /etc/netns hosts file below)
#   v6-save.txt v6-S.txt v6-Lnv.txt v6-L.txt                   the same from ip6tables
#   legacy-S.txt legacy-Lnv.txt legacy-save.txt                with a legacy table also loaded (stdout and
#                                                              stderr: iptables-nft's legacy-tables warning)
#   addr.txt route.txt         ip addr / ip route of the namespace
#   transcript.txt             all of the above as a terminal session (root@nodea:~# CMD, then its output)
#
#   sudo scripts/lab/iptables-forms.sh OUTDIR
#
# Everything it creates (namespace nl-forms-<suffix>, /etc/netns/nl-forms-<suffix>/) is removed on exit.
set -euo pipefail

OUT=${1:?usage: iptables-forms.sh OUTDIR}
[[ $(id -u) -eq 0 ]] || { echo "iptables-forms.sh: needs root (network namespaces)" >&2; exit 2; }
for tool in ip iptables iptables-save iptables-restore ip6tables ip6tables-restore iptables-legacy ping; do
  command -v "$tool" >/dev/null || { echo "iptables-forms.sh: $tool not found" >&2; exit 2; }
done
HERE=$(cd "$(dirname "$0")/../.." && pwd)
RULES=$HERE/test/fixtures/forms/lab.rules
RULES6=$HERE/test/fixtures/forms/lab6.rules

SUFFIX=$(printf '%04x' $(( ($$ ^ RANDOM) & 0xffff )))
NS=nl-forms-$SUFFIX
ETC=/etc/netns/$NS
cleanup() {
  set +e
  for pid in $(ip netns pids "$NS" 2>/dev/null); do kill "$pid" 2>/dev/null; done
  ip netns del "$NS" 2>/dev/null
  rm -rf "$ETC"
}
trap cleanup EXIT

# Name lookups inside the namespace: a hosts file with two names, and a resolver that answers nothing at once
# (port 53 on lo is closed), so `iptables -L` prints those two names and numbers for everything else.
mkdir -p "$ETC"
printf '127.0.0.1 localhost\n10.96.0.10 hello.default.svc.cluster.local\n10.40.1.2 hello-7d9f-abcde\n' >"$ETC/hosts"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$ETC/resolv.conf"

ip netns add "$NS"
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link set lo up
in_ns ip link add eth0 type veth peer name eth0peer
in_ns ip link set eth0peer up
in_ns ip link add cbr0 type bridge
in_ns ip addr add 192.168.56.11/24 dev eth0
in_ns ip addr add 10.40.1.1/24 dev cbr0
in_ns ip -6 addr add fd00:56::11/64 dev eth0 nodad
in_ns ip -6 addr add fd00:40::1/64 dev cbr0 nodad
in_ns ip link set eth0 up
in_ns ip link set cbr0 up
in_ns ip route add default via 192.168.56.1 dev eth0
in_ns ip route add 10.40.2.0/24 via 192.168.56.12 dev eth0
in_ns iptables-restore <"$RULES"
in_ns ip6tables-restore <"$RULES6"
# A little traffic so that counters are not all zero.
in_ns ping -c 3 -i 0.2 -q 127.0.0.1 >/dev/null
in_ns ping -c 2 -i 0.2 -q 10.40.1.1 >/dev/null

mkdir -p "$OUT"
: >"$OUT/transcript.txt"
capture() { # FILE CMD...: the command's output to FILE, and as a prompt and output to the transcript
  local file=$1; shift
  in_ns "$@" >"$OUT/$file"
  { printf 'root@nodea:~# %s\n' "$*"; cat "$OUT/$file"; } >>"$OUT/transcript.txt"
}
capture_both() { # as capture, with stderr too (where iptables-nft prints its legacy-tables warning)
  local file=$1; shift
  in_ns "$@" >"$OUT/$file" 2>&1
  { printf 'root@nodea:~# %s\n' "$*"; cat "$OUT/$file"; } >>"$OUT/transcript.txt"
}
strip_dates() { # the save header and footer carry the time of the run; keep one fixed so reruns diff cleanly
  sed -i -E 's/ on [A-Z][a-z]{2} [A-Z][a-z]{2} +[0-9]+ [0-9:]{8} [0-9]{4}$/ on Sun Dec  6 23:30:00 2026/' "$OUT/$1"
}

capture addr.txt ip addr
capture route.txt ip route
capture save.txt iptables-save
strip_dates save.txt
for t in raw mangle nat filter; do
  capture "S-$t.txt" iptables -t "$t" -S
  capture "Sv-$t.txt" iptables -t "$t" -S -v
  capture "Lnv-$t.txt" iptables -t "$t" -L -n -v --line-numbers
  capture "Lnvx-$t.txt" iptables -t "$t" -L -n -v -x
  capture "Ln-$t.txt" iptables -t "$t" -L -n
  capture "L-$t.txt" iptables -t "$t" -L
done
capture Lv-filter.txt iptables -L -v
capture Lnl-filter.txt iptables -nL --line-numbers
capture L-chain.txt iptables -t nat -L KUBE-SVC-HELLOTPW5SKX6ZGQ -n -v --line-numbers
capture S-chain.txt iptables -t nat -S KUBE-SVC-HELLOTPW5SKX6ZGQ
capture v6-save.txt ip6tables-save
strip_dates v6-save.txt
capture v6-S.txt ip6tables -S
capture v6-Lnv.txt ip6tables -L -n -v
capture v6-L.txt ip6tables -L

# A legacy (x_tables) table next to the nf_tables ones: iptables-nft then warns that it shows only its own.
in_ns iptables-legacy -t filter -A INPUT -s 192.0.2.1/32 -j DROP
# Written to a file, stderr's warning comes before the (buffered) listing; on a terminal it can come after.
capture_both legacy-S.txt iptables -S
capture_both legacy-Lnv.txt iptables -L -n -v
capture_both legacy-save.txt iptables-save -t filter
strip_dates legacy-save.txt
sed -i -E 's/ on [A-Z][a-z]{2} [A-Z][a-z]{2} +[0-9]+ [0-9:]{8} [0-9]{4}$/ on Sun Dec  6 23:30:00 2026/' "$OUT/transcript.txt"
in_ns iptables --version >"$OUT/VERSION"
echo "iptables-forms.sh: wrote $OUT"
