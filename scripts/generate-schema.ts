/** Writes policy/contacts.schema.json from the zod schema. Run after changing src/policy/schema.ts. */
import { writeFile } from 'node:fs/promises';
import { policyJsonSchema } from '../src/policy/json-schema.js';

const target = new URL('../policy/contacts.schema.json', import.meta.url);
await writeFile(target, `${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
