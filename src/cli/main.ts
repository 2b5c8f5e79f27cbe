// Placeholder replaced by the CLI implementation.
process.stderr.write('natlens: not built yet\n');
process.exit(2);
