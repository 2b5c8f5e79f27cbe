#!/usr/bin/env bash
# Writes test/fixtures/probe/lab/node-probes.txt: the probe kernel-truth lab (test/kernel-truth/probe.test.ts) run
# once with its transcript kept — a node and a pod in network namespaces of their own (deleted afterwards),
# kube-proxy-shaped rules, and real curl, nc (netcat-openbsd) and ping output. Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
NATLENS_WRITE_PROBE_FIXTURES=1 npx vitest run test/kernel-truth/probe.test.ts
