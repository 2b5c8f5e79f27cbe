#!/usr/bin/env node
// node scripts/schema-snapshot.mjs
//
// Writes src/core/model/schema-snapshot.ts: the schema the migrations of src/core/model/schema.ts make, as the
// statements that create it at once. A new project is created from it in one transaction (migrate() in schema.ts)
// instead of through every migration in turn; migrations appended after it still run in turn on top. Run it after
// appending a migration (schema-snapshot.test.ts says when it is behind).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundled } from './node-bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const Database = require('better-sqlite3');

const { migrate, schemaStatements, SCHEMA_VERSION } = await loadBundled(path.join(root, 'src/core/model/schema.ts'), { external: ['better-sqlite3'] });
const db = new Database(':memory:');
migrate(db, ':memory:', { snapshot: null });
const statements = schemaStatements(db);
db.close();

const out = path.join(root, 'src/core/model/schema-snapshot.ts');
fs.writeFileSync(out, [
  '// Written by scripts/schema-snapshot.mjs from the migrations in schema.ts: do not edit; run the script after appending a migration.',
  '',
  '/** The schema version the statements below make: that of the last migration when the snapshot was written. */',
  `export const SNAPSHOT_VERSION = ${SCHEMA_VERSION};`,
  '',
  '/** The CREATE statements of every table, index and view migrations 1 to SNAPSHOT_VERSION make, in the order SQLite keeps them. */',
  'export const SNAPSHOT_STATEMENTS: readonly string[] = [',
  ...statements.map((s) => `  ${JSON.stringify(s)},`),
  '];',
  '',
].join('\n'));
process.stdout.write(`schema snapshot: version ${SCHEMA_VERSION}, ${statements.length} statements → ${path.relative(root, out)}\n`);
