import type { RedactFields } from '../core/redact.js';
import { CONTACT_FIELDS, type ContactField } from '../core/types.js';
import { UsageError } from '../errors.js';

function isContactField(name: string): name is ContactField {
  return (CONTACT_FIELDS as readonly string[]).includes(name);
}

/**
 * `--redact` (commander gives `true`) masks every field; `--redact=email,phone` only those; no flag, none.
 * Naming every field is the same as `--redact`.
 */
export function parseRedactOption(value: string | true | undefined): RedactFields {
  if (value === undefined) return 'none';
  if (value === true) return 'all';
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !isContactField(name));
  if (unknown.length > 0) {
    const shown = unknown.map((name) => JSON.stringify(name)).join(', ');
    throw new UsageError(
      `--redact: unknown field ${shown}: list some of ${CONTACT_FIELDS.join(', ')} (comma-separated), or give --redact alone to mask every field`,
    );
  }
  const fields = CONTACT_FIELDS.filter((field) => names.includes(field));
  return fields.length === CONTACT_FIELDS.length ? 'all' : fields;
}
