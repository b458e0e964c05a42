// Validates an OpenAPI document (read from the file named by argv[2]) with two libraries that
// others wrote: @seriousme/openapi-schema-validator (the OpenAPI 3.1 JSON schema, strict) and
// @apidevtools/swagger-parser (parses, resolves every $ref, validates). Prints one JSON line:
// {"schema": {"valid", "errors"}, "parser": {"valid", "error"}}.
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import SwaggerParser from '@apidevtools/swagger-parser';

const doc = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const validator = new Validator();
const schema = await validator.validate(structuredClone(doc));
let parser = { valid: true, error: null };
try {
  await SwaggerParser.validate(structuredClone(doc));
} catch (e) {
  parser = { valid: false, error: String(e && e.message ? e.message : e) };
}
console.log(JSON.stringify({
  version: validator.version,
  schema: { valid: schema.valid, errors: schema.valid ? null : schema.errors },
  parser,
}));
