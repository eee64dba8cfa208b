import type { FastifySerializerCompiler } from 'fastify';
// fast-json-stringify is Fastify's own serialiser (a dependency of fastify itself).
import fastJson, { type Schema } from 'fast-json-stringify';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** Response schemas whose answers are written by a compiled serialiser (see compiledResponse). */
const compiled = new WeakSet<z.ZodType>();

/**
 * Marks a route's zod response schema to be serialised by fast-json-stringify, compiled once from the schema's JSON
 * Schema, instead of fastify-type-provider-zod's serialiser (which re-checks the answer with zod, then calls
 * JSON.stringify): for the hot reads (status poll, task list). Returns the schema.
 *
 * The compiled serialiser never loses data: objects keep properties the schema does not name (written as
 * JSON.stringify would), nothing is `required` (a missing field is left out, as JSON.stringify leaves out
 * `undefined`), and nullable fields accept null. What the schema names must still match the answer's types, so
 * each schema states the response type it stands for (see test/api-response-shape.test.ts).
 */
export function compiledResponse<T extends z.ZodType>(schema: T): T {
  compiled.add(schema);
  return schema;
}

/** The serialiser compiler of every route: compiled for marked schemas, zod's for any other response schema. */
export const responseSerializerCompiler: FastifySerializerCompiler<unknown> = (route) => {
  const schema = route.schema as z.ZodType;
  if (!compiled.has(schema)) return zodSerializerCompiler(route as never);
  return fastJson(openSchema(z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' })) as Schema);
};

type Json = Record<string, unknown>;

/** The JSON Schema as the compiled serialiser should read it: open objects, nothing required, nullable as a type list. */
export function openSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(openSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) if (k !== 'required') out[k] = openSchema(v);
  if (out.type === 'object' && (out.additionalProperties === false || out.additionalProperties === undefined)) out.additionalProperties = true;
  // zod writes `x | null` as anyOf [x, {type: null}]; fast-json-stringify would then test each branch per value.
  const anyOf = out.anyOf as Json[] | undefined;
  if (anyOf?.length === 2) {
    const other = anyOf.find((s) => s.type !== 'null');
    if (other && anyOf.some((s) => s.type === 'null') && typeof other.type === 'string' && other.type !== 'object' && other.type !== 'array') {
      const { enum: _, ...rest } = other;
      delete out.anyOf;
      Object.assign(out, rest, { type: [other.type, 'null'] });
    }
  }
  return out;
}
