#!/bin/bash
# Regenerates test/fixtures/kube-proxy/ (natlens's own kube-proxy conformance vectors) from the real kernel:
# builds the kernel-truth lab cluster in nlkt-* network namespaces, loads kube-proxy-shaped rules, makes
# connections and records what conntrack and the rule counters say. Needs root, ip netns, iptables,
# conntrack, python3. Usage: sudo scripts/lab/record-kube-proxy-vectors.sh [out-dir]
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle=$(mktemp -d)
trap 'rm -rf "$bundle"' EXIT
npx esbuild test/kernel-truth/record-kube-proxy-vectors.ts --bundle --platform=node --format=cjs --log-level=warning --outfile="$bundle/record.cjs"
node "$bundle/record.cjs" "${1:-test/fixtures/kube-proxy}"
