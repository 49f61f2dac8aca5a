import { z } from 'zod';
import { PolicySchema } from './schema.js';

/**
 * The policy's JSON Schema, for editors (the example policy's `yaml-language-server` modeline points at
 * the committed copy). Generated from PolicySchema so the two cannot disagree; refinements zod cannot
 * express (trimmed lengths, cross-field rules) are only checked by the tool.
 */
export function policyJsonSchema(): Record<string, unknown> {
  // `input`: what an author writes, so defaulted keys (managementAccount) are optional.
  const { $schema, ...schema } = z.toJSONSchema(PolicySchema, { target: 'draft-2020-12', io: 'input' });
  return {
    $schema,
    $id: 'urn:enforce:policy:contacts:v1',
    title: 'enforce alternate contacts policy',
    description:
      'The alternate contacts (security, operations, billing) every account of an AWS Organization must have.',
    ...schema,
  };
}
