import { Document, isMap, isScalar, type YAMLMap } from 'yaml';
import type { InitOverride, InitPolicy, InitType, InitValue } from '../core/init-policy.js';

/**
 * Renders `enforce init`'s starting policy as YAML, with a comment on each entry saying how many of the
 * accounts read it covers: a reviewer sees at once which values are the organization's norm and which
 * are exceptions worth a look.
 */

function plural(count: number): string {
  return `${count} ${count === 1 ? 'account' : 'accounts'}`;
}

function yamlValue(value: InitValue): unknown {
  return value.kind === 'absent' ? 'absent' : { ...value.fields };
}

function describeMatch(override: InitOverride): string {
  const { match } = override;
  return match.by === 'ous'
    ? `every account below ${match.ous.join(', ')} (${plural(override.covers)} read)`
    : plural(override.covers);
}

/** Why an `absent` Security contact is written, and what to do about it. */
const NO_SECURITY_NOTE =
  ' No Security contact today. CIS 1.2 and Security Hub Account.1 require one: replace `absent` with a contact (lint rejects absent unless --allow-no-security-contact).';

function commentKey(map: YAMLMap, key: string, comment: string): void {
  const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
  if (pair && isScalar(pair.key)) pair.key.commentBefore = comment;
}

function entryComment(type: InitType, value: InitValue, text: string): string {
  return type === 'security' && value.kind === 'absent' ? ` ${text}.${NO_SECURITY_NOTE}` : ` ${text}`;
}

export interface RenderInitOptions {
  /** Lines for the top of the file, e.g. which organization was read and when. */
  header?: readonly string[];
}

export function renderInitPolicy(init: InitPolicy, options: RenderInitOptions = {}): string {
  const data: Record<string, unknown> = {
    version: 1,
    contacts: Object.fromEntries(init.defaults.map((d) => [d.type, yamlValue(d.value)])),
  };
  if (init.overrides.length > 0) {
    data.overrides = init.overrides.map((override) => ({
      match:
        override.match.by === 'ous' ? { ous: override.match.ous } : { accounts: override.match.accounts },
      contacts: Object.fromEntries(override.contacts.map((c) => [c.type, yamlValue(c.value)])),
    }));
  }
  const document = new Document(data);

  const header = [
    ...(options.header ?? []),
    `Written by \`enforce init\` from ${plural(init.accounts)}: each value below is what accounts have today.`,
    'Review it, then check it with `enforce validate` and `enforce --dry-run` (which should show no drift).',
    ...init.omitted.map(({ type, reason }) => `${type} is not managed: ${reason}.`),
  ];
  document.commentBefore = header.map((line) => ` ${line}`).join('\n');

  const contacts = document.get('contacts');
  if (isMap(contacts)) {
    for (const d of init.defaults) {
      commentKey(
        contacts,
        d.type,
        entryComment(d.type, d.value, `default: the value of ${d.covers} of ${plural(d.of)}`),
      );
    }
  }
  init.overrides.forEach((override, index) => {
    const item = document.getIn(['overrides', index]);
    if (!isMap(item)) return;
    item.commentBefore = ` ${describeMatch(override)}`;
    const match = item.get('match');
    if (isMap(match)) match.flow = true;
    const overrideContacts = item.get('contacts');
    if (!isMap(overrideContacts)) return;
    for (const c of override.contacts)
      commentKey(overrideContacts, c.type, entryComment(c.type, c.value, `${plural(c.covers)}`));
  });
  return document.toString({ lineWidth: 0 });
}
