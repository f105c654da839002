#!/usr/bin/env node
// The test FHIR server of sdsfhir: Medplum's FHIR engine (@medplum/fhir-router with its
// MemoryRepository, @medplum/core for validation and search) behind a small HTTP server.
// Listens on 127.0.0.1 only. What the engine alone lacks is added here:
//   GET /fhir/metadata              a CapabilityStatement
//   validation of every write       400 + OperationOutcome (unknown elements, missing required ones)
//   references checked on write     400 when a literal reference points at nothing
//   transaction rollback            a failed transaction Bundle leaves nothing written
//   paging links                    self/next/previous on searchsets, with _count and _offset
//   unknown search parameters       refused with 400
//   POST /admin/reset               empties the store (tests call it between cases)
//   POST /admin/fault               injects faults: {"status":500,"count":1} or {"delayMs":3000,"count":1},
//                                   {"status":429,"retryAfter":1,"count":2} ("text": its diagnostics); "path" (a prefix under /fhir) and
//                                   "method" limit which requests it hits; after the request is carried out:
//                                   {"reset":true} closes the connection without a reply, {"truncate":true}
//                                   sends half the reply, {"invalidJson":true} a 200 that is not JSON,
//                                   {"pageForever":true} a next link on every search page,
//                                   {"nextLink":"URL"} that next link on the next search page,
//                                   {"body":JSON} this reply (200, or "status") instead of the engine's,
//                                   {"refuse":"TEXT","count":N} writes that hold TEXT fail validation,
//                                   {"gzipBomb":N} a gzip reply that inflates to N copies of {},
//                                   {"stallAfterMs":N} the request carried out (committed), its reply
//                                   held back N ms (a server that stalls after the commit),
//   POST /admin/token-reply         the next /oauth/token answers this JSON as it is
//   GET /admin/stats                requests served and the headers of the last one
//   GET /admin/invalid              what sdsfhir wrote (User-Agent sdsfhir/...) that fails the checks of
//                                   validate.js (HL7's R4 JSON schema, extension contexts and types):
//                                   {"checked":N,"errors":[...]}; a real server accepts these writes, and so
//                                   does this one, but the tests fail on any
//   POST /oauth/token               OAuth2 client credentials (with --oauth-client ID --oauth-secret FILE)
//   POST /admin/expire-tokens       forgets issued OAuth2 tokens (the next request gets 401)
// Behaviours measured on a full Medplum 5.0.10 server (PostgreSQL, Redis, a default project):
//   --mode batch                    a project without the transaction-bundles feature: a transaction
//                                   Bundle is run entry by entry (HTTP 200, a status and outcome per
//                                   entry, the good entries committed)
//   --mode atomic (default)         with the feature: all or nothing; one conditional URL twice is
//                                   "Duplicate resource identity found in Bundle", more than 8
//                                   conditional entries "Transaction requires strict isolation but has
//                                   too many entries" (both from the engine itself)
//   --max-body BYTES                request bodies over it (1 MB by default, Medplum's maxJsonSize) are
//                                   refused with HTTP 400 "File too large" (--too-large-status 413 for
//                                   servers that answer 413)
//   searchset total                 only when _total (accurate or estimate) or _summary=count is asked
//   a PUT that changes nothing      keeps the versionId (and lastUpdated)
//   --public-origin URL             links and fullUrls name this origin, as Medplum names its baseUrl
//                                   (http://localhost:8103/) whatever host the request came to: a
//                                   server behind a reverse proxy or reached by another name
// Usage: node server.js [--port N] [--port-file FILE] [--token TOKEN_FILE] [--mode atomic|batch]
//                       [--max-body BYTES] [--too-large-status 400|413] [--base-path /fhir]
//                       [--public-origin URL]
//                       [--oauth-client ID --oauth-secret SECRET_FILE [--oauth-token-uses N]]
//                       [--tls-cert CERT.pem --tls-key KEY.pem]   (HTTPS instead of HTTP)
//   With --oauth-token-uses, a token stops working after N requests (the client must renew it).
//   --port 0 (default) takes a free port; the port is printed as "listening <port>" and written
//   to --port-file. With --token, every /fhir request needs "Authorization: Bearer <file content>".
'use strict';

const http = require('node:http');
const fs = require('node:fs');
const zlib = require('node:zlib');
const { core, readJson } = require('./medplum');
const { errorsOf, prepare } = require('./validate');
// what sdsfhir writes, compiled before the server answers (see prepare)
prepare(['Bundle', 'Endpoint', 'ImagingStudy', 'Patient', 'Practitioner', 'ResearchStudy', 'ResearchSubject']);
const { AsyncLocalStorage } = require('node:async_hooks');
const requestContext = new AsyncLocalStorage(); // {ua}: the User-Agent of the request being handled
let validation = { checked: 0, errors: [] };
const { FhirRouter, MemoryRepository } = require('@medplum/fhir-router');

const args = process.argv.slice(2);
function opt(name, def) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
}

for (const f of ['fhir/r4/search-parameters.json', 'fhir/r4/search-parameters-medplum.json']) {
  core.indexSearchParameterBundle(readJson(f));
}

const BASE_PATH = opt('--base-path', '/fhir').replace(/\/$/, ''); // '/' serves FHIR at the root
const outcomeError = (code, text, status) =>
  new core.OperationOutcomeError({
    resourceType: 'OperationOutcome',
    id: status === 404 ? 'not-found' : undefined,
    issue: [{ severity: 'error', code, details: { text }, diagnostics: text }],
  });

// Every reference "Type/id" in a resource (not urn:uuid, not contained "#", not absolute URLs).
function literalReferences(value, out = []) {
  if (Array.isArray(value)) {
    value.forEach((v) => literalReferences(v, out));
  } else if (value && typeof value === 'object') {
    if (typeof value.reference === 'string' && /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(value.reference)) {
      out.push(value.reference);
    }
    for (const k of Object.keys(value)) literalReferences(value[k], out);
  }
  return out;
}

// Equal but for meta.versionId, meta.lastUpdated and key order (Medplum's test for a PUT that changes nothing).
function sameContent(a, b) {
  const strip = (r) => {
    const c = JSON.parse(JSON.stringify(r));
    if (c.meta) {
      delete c.meta.versionId;
      delete c.meta.lastUpdated;
      if (Object.keys(c.meta).length === 0) delete c.meta;
    }
    return c;
  };
  const canon = (v) => Array.isArray(v) ? v.map(canon)
    : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;
  return JSON.stringify(canon(strip(a))) === JSON.stringify(canon(strip(b)));
}

// MemoryRepository with what a real server has: validation and reference checks on every
// write (createResourceSync is the one path all writes take), all-or-nothing transactions
// (a journal of the writes, undone on failure), and an index of identifiers so that
// conditional creates and updates do not scan every resource.
class TestRepository extends MemoryRepository {
  constructor() {
    super();
    this.txDepth = 0;
    this.journal = null;
    this.index = new Map(); // "Type|system|value" and "Type|*|value" -> Set of ids
  }

  checkSync(resource) {
    for (const f of faults) { // {"refuse":"TEXT"}: a write that holds TEXT is refused, as a validation error
      if (f.refuse && JSON.stringify(resource).includes(f.refuse)) {
        throw outcomeError('invalid', 'Refused by the test server (a refuse fault)', 400);
      }
    }
    const issues = core.validateResource(resource);
    const errors = issues.filter((i) => i.severity === 'error');
    if (errors.length) {
      throw new core.OperationOutcomeError({ resourceType: 'OperationOutcome', issue: errors });
    }
    if (/^sdsfhir\//.test(requestContext.getStore()?.ua || '')) { // what sdsfhir makes: the stricter checks too
      validation.checked++;
      for (const e of errorsOf(resource, new Map(), false)) {
        if (validation.errors.length < 100) validation.errors.push(`${resource.resourceType}/${resource.id}: ${e}`);
      }
    }
    for (const ref of literalReferences(resource)) {
      const [type, id] = ref.split('/');
      if (!this.resources.get(type)?.has(id)) {
        throw outcomeError('invalid', `Invalid reference: ${ref} does not exist`, 400);
      }
    }
  }

  indexKeys(resource) {
    const keys = [];
    for (const id of resource?.identifier || []) {
      if (id.value === undefined) continue;
      keys.push(`${resource.resourceType}|${id.system ?? ''}|${id.value}`, `${resource.resourceType}|*|${id.value}`);
    }
    return keys;
  }

  reindex(type, id, before, after) {
    for (const k of this.indexKeys(before)) this.index.get(k)?.delete(id);
    for (const k of this.indexKeys(after)) {
      if (!this.index.has(k)) this.index.set(k, new Set());
      this.index.get(k).add(id);
    }
  }

  remember(type, id) {
    if (!this.journal) return;
    const prev = this.resources.get(type)?.get(id);
    const hist = this.history.get(type)?.get(id);
    this.journal.push({ type, id, prev, historyLength: hist ? hist.length : 0 });
  }

  createResourceSync(resource, options, update) {
    this.checkSync(resource);
    const type = resource.resourceType;
    const prevId = resource.id;
    const before = prevId ? this.resources.get(type)?.get(prevId) : undefined;
    if (update && before && sameContent(before, resource)) return core.deepClone(before); // Medplum keeps the version
    if (prevId) this.remember(type, prevId);
    const result = super.createResourceSync(resource, options, update);
    if (!prevId) this.journal?.push({ type, id: result.id, prev: undefined, historyLength: 0 });
    this.reindex(type, result.id, before, result);
    return result;
  }

  async deleteResource(type, id, options) {
    this.remember(type, id);
    const before = this.resources.get(type)?.get(id);
    await super.deleteResource(type, id, options);
    this.reindex(type, id, before, undefined);
  }

  clear() {
    super.clear();
    this.index = new Map();
  }

  // identifier=system|value and identifier=value through the index; the rest as the engine does it
  searchSync(request) {
    const f = request.filters;
    if (f && f.length === 1 && f[0].code === 'identifier' && f[0].operator === core.Operator.EQUALS &&
        typeof f[0].value === 'string' && !f[0].value.includes(',') && !f[0].value.startsWith('|') &&
        !request.sortRules?.length) {
      const v = f[0].value;
      const bar = v.indexOf('|');
      const key = bar < 0 ? `${request.resourceType}|*|${v}` : `${request.resourceType}|${v.slice(0, bar)}|${v.slice(bar + 1)}`;
      const store = this.resources.get(request.resourceType) ?? new Map();
      const found = [...(this.index.get(key) ?? [])].map((id) => store.get(id)).filter(Boolean);
      let entry = found.map((r) => ({ search: { mode: 'match' }, resource: core.deepClone(r) }));
      if (request.offset !== undefined) entry = entry.slice(request.offset);
      if (request.count !== undefined) entry = entry.slice(0, request.count);
      return { resourceType: 'Bundle', type: 'searchset', entry: entry.length ? entry : undefined, total: found.length };
    }
    return super.searchSync(request);
  }

  // All or nothing: the outermost transaction undoes its journal when it fails.
  async withTransaction(callback) {
    if (this.txDepth > 0) {
      this.txDepth++;
      try {
        return await callback(this);
      } finally {
        this.txDepth--;
      }
    }
    this.journal = [];
    this.txDepth++;
    try {
      return await callback(this);
    } catch (err) {
      for (const j of this.journal.reverse()) {
        const now = this.resources.get(j.type)?.get(j.id);
        if (j.prev === undefined) this.resources.get(j.type)?.delete(j.id);
        else this.resources.get(j.type).set(j.id, j.prev);
        const hist = this.history.get(j.type)?.get(j.id);
        if (hist) hist.length = j.historyLength;
        if (hist && hist.length === 0) this.history.get(j.type).delete(j.id);
        this.reindex(j.type, j.id, now, j.prev);
      }
      throw err;
    } finally {
      this.journal = null;
      this.txDepth--;
    }
  }
}

const repo = new TestRepository();
const router = new FhirRouter();
let requests = 0;
let faults = [];
const token = opt('--token') ? fs.readFileSync(opt('--token'), 'utf8').trim() : null;
const oauthClient = opt('--oauth-client');
const oauthSecret = opt('--oauth-secret') ? fs.readFileSync(opt('--oauth-secret'), 'utf8').trim() : null;
const tokenUses = Number(opt('--oauth-token-uses', '0'));
const publicOrigin = opt('--public-origin', '').replace(/\/$/, '');
const mode = opt('--mode', 'atomic');
if (mode !== 'atomic' && mode !== 'batch') {
  process.stderr.write(`unknown --mode ${mode}: atomic or batch\n`);
  process.exit(2);
}
const maxBody = Number(opt('--max-body', String(1024 * 1024)));
const tooLargeStatus = Number(opt('--too-large-status', '400'));
let oauthTokens = new Map(); // token -> requests left (Infinity when unlimited)
let tokenCount = 0;
let lastHeaders = {};
let tokenReply = null;

// Search parameters that do not depend on the resource type.
const COMMON_PARAMS = new Set([
  '_id', '_lastUpdated', '_count', '_offset', '_sort', '_total', '_summary', '_elements', '_include',
  '_revinclude', '_format', '_pretty', '_profile', '_tag', '_security', '_source', '_filter', '_has', '_type',
  '_at', '_since', '_cursor', '_fields', '_compartment',
]);

function checkSearchParams(resourceType, url) {
  for (const key of url.searchParams.keys()) {
    const code = key.split(':')[0].split('.')[0];
    if (COMMON_PARAMS.has(code) || code.startsWith('_has')) continue;
    if (!core.getSearchParameter(resourceType, code)) {
      throw outcomeError('invalid', `Unknown search parameter: ${key} for ${resourceType}`, 400);
    }
  }
}

function capabilityStatement(base) {
  const resources = ['Patient', 'ImagingStudy', 'Practitioner', 'Organization', 'Endpoint'].map((type) => ({
    type,
    interaction: ['read', 'vread', 'update', 'create', 'delete', 'search-type', 'history-instance'].map((code) => ({ code })),
    conditionalCreate: true,
    conditionalUpdate: true,
    searchParam: Object.values(core.getSearchParameters(type) || {}).map((sp) => ({ name: sp.code, type: sp.type })),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    software: { name: 'sdsfhir test FHIR server (Medplum fhir-router)', version: '5.2.13' },
    implementation: { description: 'sdsfhir test server', url: base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [{ mode: 'server', resource: resources, interaction: [{ code: 'transaction' }, { code: 'batch' }] }],
  };
}

// Paging links for a searchset bundle.
function addLinks(bundle, url, base) {
  const count = Number(url.searchParams.get('_count') || 20);
  const offset = Number(url.searchParams.get('_offset') || 0);
  const n = (bundle.entry || []).length;
  const link = (o) => {
    const u = new URL(url.toString());
    u.searchParams.set('_offset', String(o));
    u.searchParams.set('_count', String(count));
    return base + u.pathname.slice(BASE_PATH.length) + u.search;
  };
  bundle.link = [{ relation: 'self', url: link(offset) }];
  for (const e of bundle.entry || []) {
    if (e.resource && e.resource.id && !e.fullUrl) e.fullUrl = `${base}/${e.resource.resourceType}/${e.resource.id}`;
  }
  const counting = url.searchParams.get('_summary') === 'count' || count === 0;
  const more = !counting && (bundle.total !== undefined ? offset + n < bundle.total : n >= count && n > 0);
  if (more) bundle.link.push({ relation: 'next', url: link(offset + count) });
  if (offset > 0) bundle.link.push({ relation: 'previous', url: link(Math.max(0, offset - count)) });
  const wanted = url.searchParams.get('_total');
  if (!counting && !(wanted === 'accurate' || wanted === 'estimate')) delete bundle.total;
}

function send(res, status, body, headers = {}) {
  const f = res.fault;
  if (f && f.nextLink && body && body.resourceType === 'Bundle' && body.type === 'searchset') {
    body.link = [...(body.link || []).filter((l) => l.relation !== 'next'), { relation: 'next', url: f.nextLink }];
  }
  if (f && f.pageForever && body && body.resourceType === 'Bundle' && body.type === 'searchset') {
    const self = (body.link || []).find((l) => l.relation === 'self');
    body.link = [...(body.link || []).filter((l) => l.relation !== 'next'), { relation: 'next', url: self ? self.url : '' }];
    f.count = 1; // keeps paging as long as it is asked
    faults.push(f);
  }
  const text = body === undefined ? '' : JSON.stringify(body);
  if (f && f.reset) return res.socket.destroy();
  if (f && f.gzipBomb) { // a small gzip that inflates to gzipBomb copies of {},
    const item = f.gzipItem || '{}'; // {"gzipItem":"0"}: N zeros instead
    const raw = Buffer.concat([Buffer.from('{"resourceType":"Bundle","type":"searchset","entry":['),
      Buffer.alloc((item.length + 1) * f.gzipBomb, item + ','), Buffer.from(item + ']}')]);
    res.writeHead(200, { 'Content-Type': 'application/fhir+json', 'Content-Encoding': 'gzip' });
    return res.end(zlib.gzipSync(raw, { level: 9 }));
  }
  if (f && f.invalidJson) {
    res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
    return res.end('{"resourceType": "Bundle", "entry": [ {');
  }
  if (f && f.truncate) {
    res.writeHead(status, { 'Content-Type': 'application/fhir+json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.write(text.slice(0, Math.floor(text.length / 2)));
    return setTimeout(() => res.socket.destroy(), 50);
  }
  res.writeHead(status, { 'Content-Type': 'application/fhir+json; charset=utf-8', ...headers });
  res.end(text);
}

async function handle(req, res, body) {
  const host = req.headers.host || '127.0.0.1';
  const url = new URL(req.url, `http://${host}`);
  const base = `${publicOrigin || `http://${host}`}${BASE_PATH}`;
  requests++;

  if (url.pathname === '/admin/reset' && req.method === 'POST') {
    repo.clear();
    faults = [];
    requests = 0; // validation is not reset: a test reads it once, for the server's whole life
    return send(res, 200, { ok: true });
  }
  if (url.pathname === '/admin/fault' && req.method === 'POST') {
    const f = JSON.parse(body || '{}');
    if (f.clear) faults = []; // {"clear":true}: the faults not met yet are dropped
    else faults.push(f);
    return send(res, 200, { ok: true, faults: faults.length });
  }
  if (url.pathname === '/admin/invalid' && req.method === 'GET') {
    return send(res, 200, validation);
  }
  if (url.pathname === '/admin/stats' && req.method === 'GET') {
    return send(res, 200, { requests, tokensIssued: tokenCount, lastHeaders });
  }
  if (url.pathname === '/admin/token-reply' && req.method === 'POST') {
    tokenReply = JSON.parse(body || '{}'); // the next /oauth/token answers this, whatever it is
    return send(res, 200, { ok: true });
  }
  if (url.pathname === '/admin/expire-tokens' && req.method === 'POST') {
    oauthTokens = new Map();
    return send(res, 200, { ok: true });
  }
  if (url.pathname === '/oauth/token' && req.method === 'POST' && tokenReply) {
    const r = tokenReply;
    tokenReply = null;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify(r));
  }
  if (url.pathname === '/oauth/token' && req.method === 'POST') {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== oauthClient ||
        form.get('client_secret') !== oauthSecret) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ error: 'invalid_client', error_description: 'Invalid secret' })); // as Medplum says
    }
    const t = `tok-${++tokenCount}-${Math.random().toString(36).slice(2)}`;
    oauthTokens.set(t, tokenUses > 0 ? tokenUses : Infinity);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify({ access_token: t, token_type: 'Bearer', expires_in: 3600 }));
  }
  if (!url.pathname.startsWith(BASE_PATH + '/') && url.pathname !== BASE_PATH) {
    // what Medplum's server (Express) answers for a path it does not serve: an HTML page
    res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' });
    return res.end(`<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Cannot ${req.method} ${url.pathname}</pre>\n</body>\n</html>\n`);
  }
  lastHeaders = { ...req.headers };
  const bearer = (req.headers.authorization || '').replace(/^Bearer /, '');
  if ((token !== null && bearer !== token) || (oauthClient && !(oauthTokens.get(bearer) > 0))) {
    return send(res, 401, core.unauthorized, { 'WWW-Authenticate': 'Bearer' });
  }
  if (oauthClient) oauthTokens.set(bearer, oauthTokens.get(bearer) - 1);
  const fault = faults.find((f) => !f.refuse && (!f.path || url.pathname.slice(BASE_PATH.length).startsWith(f.path)) &&
    (!f.method || f.method === req.method));
  if (fault) {
    if (--fault.count <= 0) faults.splice(faults.indexOf(fault), 1);
    if (fault.reset || fault.truncate || fault.invalidJson || fault.pageForever || fault.nextLink || fault.gzipBomb ||
        fault.stallAfterMs) res.fault = fault;
    if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault.body !== undefined) return send(res, fault.status || 200, fault.body); // a reply of any shape
    if (fault.status) {
      const oo = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: fault.text || `injected fault ${fault.status}` }] };
      return send(res, fault.status, oo, fault.retryAfter ? { 'Retry-After': String(fault.retryAfter) } : {});
    }
  }
  const path = url.pathname.slice(BASE_PATH.length) || '/';
  if (path === '/metadata' && req.method === 'GET') {
    return send(res, 200, capabilityStatement(base));
  }
  let parsed;
  if (body) {
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      return send(res, 400, core.badRequest(`Invalid JSON: ${e.message}`));
    }
  }
  const segments = path.split('/').filter(Boolean);
  try {
    if (req.method === 'GET' && segments.length === 1) checkSearchParams(segments[0], url);
  } catch (e) {
    return send(res, 400, core.normalizeOperationOutcome(e));
  }
  const query = {};
  for (const [k, v] of url.searchParams) {
    query[k] = query[k] === undefined ? v : [].concat(query[k], v);
  }
  const headers = { ...req.headers };
  const fhirReq = { method: req.method, url: path.slice(1) + url.search, body: parsed, params: {}, query, headers, config: { transactions: mode === 'atomic' } };
  let result;
  try {
    result = await requestContext.run({ ua: req.headers['user-agent'] }, () => router.handleRequest(fhirReq, repo));
  } catch (e) {
    const oo = core.normalizeOperationOutcome(e);
    return send(res, core.getStatus(oo), oo);
  }
  const [outcome, resource] = result;
  const status = core.getStatus(outcome);
  if (res.fault && res.fault.stallAfterMs) await new Promise((r) => setTimeout(r, res.fault.stallAfterMs));
  if (!resource) return send(res, status, outcome);
  if (resource.resourceType === 'Bundle' && resource.type === 'searchset') addLinks(resource, url, base);
  const extra = {};
  if (resource.meta && resource.meta.versionId) extra.ETag = `W/"${resource.meta.versionId}"`;
  if (status === 201 && resource.id) extra.Location = `${base}/${resource.resourceType}/${resource.id}/_history/${resource.meta?.versionId ?? '1'}`;
  return send(res, status, resource, extra);
}

const onRequest = (req, res) => {
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  const stream = /gzip/.test(req.headers['content-encoding'] || '') ? req.pipe(zlib.createGunzip()) : req;
  stream.on('data', (c) => {
    size += c.length;
    if (size > maxBody) tooLarge = true;
    else chunks.push(c);
  });
  stream.on('error', () => send(res, 400, core.badRequest('Bad request body')));
  stream.on('end', () => {
    if (tooLarge) {
      requests++;
      return send(res, tooLargeStatus, core.badRequest('File too large'));
    }
    handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((e) => {
      send(res, 500, core.normalizeOperationOutcome(e));
    });
  });
};
const server = opt('--tls-cert')
  ? require('node:https').createServer({ cert: fs.readFileSync(opt('--tls-cert')), key: fs.readFileSync(opt('--tls-key')) }, onRequest)
  : http.createServer(onRequest);
server.keepAliveTimeout = 30000;
server.listen(Number(opt('--port', '0')), '127.0.0.1', () => {
  const port = server.address().port;
  if (opt('--port-file')) fs.writeFileSync(opt('--port-file'), `${port}\n`);
  process.stdout.write(`listening ${port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
