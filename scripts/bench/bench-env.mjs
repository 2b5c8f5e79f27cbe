// The environment every bench runs natlens in. NODE_EXTRA_CA_CERTS (set on some build machines for a proxy's CA)
// makes every node process parse that bundle before any script runs: ~45-60 ms of CPU on the bench machine, more
// than tcpdump's whole read of a million packets. The tools natlens is compared with (tcpdump, tshark,
// iptables-restore) do not pay it, and a user's laptop rarely sets it, so it is left out for every build alike unless
// --keep-extra-ca-certs. Importing this module changes process.env, which the benches' child processes inherit.
export const extraCaCerts = process.argv.includes('--keep-extra-ca-certs') || !('NODE_EXTRA_CA_CERTS' in process.env) ? 'as set' : 'left out';
if (extraCaCerts === 'left out') delete process.env.NODE_EXTRA_CA_CERTS;
