#!/usr/bin/env node
// A small bulk loader for the tests: PUT every resource of FHIR Bulk Data NDJSON files by its
// id, in batch Bundles, as a server's $import would. Prints "loaded N, failed M" and exits 1
// when an entry fails. Usage: node load-ndjson.js BASE_URL FILE.ndjson...
'use strict';
const fs = require('node:fs');
const [base, ...files] = process.argv.slice(2);
const BATCH = 50;
(async () => {
  let loaded = 0, failed = 0;
  for (const file of files) {
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length);
    for (let i = 0; i < lines.length; i += BATCH) {
      const entry = lines.slice(i, i + BATCH).map((l) => {
        const r = JSON.parse(l);
        return { resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}` } };
      });
      const res = await fetch(base.replace(/\/$/, ''), {
        method: 'POST',
        headers: { 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry }),
      });
      const body = await res.json();
      for (const e of body.entry || []) {
        if (/^2/.test(String(e.response?.status))) loaded++;
        else {
          failed++;
          process.stderr.write(`${e.response?.status}: ${JSON.stringify(e.response?.outcome?.issue?.[0]?.diagnostics ?? e.response?.outcome)}\n`);
        }
      }
      if (!res.ok) failed += entry.length;
    }
  }
  process.stdout.write(`loaded ${loaded}, failed ${failed}\n`);
  process.exit(failed ? 1 : 0);
})();
