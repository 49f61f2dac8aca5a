// Preloaded with `node --import` by test/e2e/startup-imports.test.ts: records every module specifier the
// process resolves into the file named by ENFORCE_IMPORT_LOG, one per line. Resolve hooks run on Node's
// loader thread, so the record goes through a file, not through this process's memory.
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  appendFileSync(process.env.ENFORCE_IMPORT_LOG, specifier + '\\n');
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
