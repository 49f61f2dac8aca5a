/**
 * The primary contact of an account (Account API GetContactInformation / PutContactInformation): the
 * postal address and phone AWS uses for the account itself, next to the three alternate contacts.
 * Pure domain types and comparison rules; the lead re-exports them from types.ts.
 */

/** Policy field names, in the order we report them. */
export const PRIMARY_FIELDS = [
  'fullName',
  'companyName',
  'addressLine1',
  'addressLine2',
  'addressLine3',
  'city',
  'stateOrRegion',
  'districtOrCounty',
  'postalCode',
  'countryCode',
  'phone',
  'websiteUrl',
] as const;
export type PrimaryField = (typeof PRIMARY_FIELDS)[number];

/** What PutContactInformation requires (botocore `ContactInformation.required`). */
export const PRIMARY_REQUIRED_FIELDS = [
  'fullName',
  'addressLine1',
  'city',
  'postalCode',
  'countryCode',
  'phone',
] as const satisfies readonly PrimaryField[];
export type PrimaryRequiredField = (typeof PRIMARY_REQUIRED_FIELDS)[number];

/** The Account API documents StateOrRegion as required for addresses in these countries. */
export const STATE_REQUIRED_COUNTRIES: readonly string[] = ['US', 'CA', 'GB', 'DE', 'JP', 'IN', 'BR'];

export type PrimaryContact = Record<PrimaryRequiredField, string> &
  Partial<Record<Exclude<PrimaryField, PrimaryRequiredField>, string>>;

/**
 * Comparison rules, as for alternate contacts: surrounding whitespace never counts; the country code is
 * an ISO-3166 code whatever its case; phone punctuation is presentation, not identity.
 */
export function normalisePrimaryField(field: PrimaryField, value: string | undefined): string {
  const trimmed = (value ?? '').trim();
  switch (field) {
    case 'countryCode':
      return trimmed.toUpperCase();
    case 'phone':
      return trimmed.replace(/[\s\-.()]/g, '');
    case 'fullName':
    case 'companyName':
    case 'addressLine1':
    case 'addressLine2':
    case 'addressLine3':
    case 'city':
    case 'stateOrRegion':
    case 'districtOrCounty':
    case 'postalCode':
    case 'websiteUrl':
      return trimmed;
  }
}

/**
 * The fields among `fields` whose normalised values differ, in the fixed field order. An optional field
 * that is not set compares like an empty one.
 */
export function changedPrimaryFields(
  before: Partial<PrimaryContact>,
  after: Partial<PrimaryContact>,
  fields: readonly PrimaryField[] = PRIMARY_FIELDS,
): PrimaryField[] {
  return PRIMARY_FIELDS.filter(
    (field) =>
      fields.includes(field) &&
      normalisePrimaryField(field, before[field]) !== normalisePrimaryField(field, after[field]),
  );
}

/** The fields PutContactInformation would still need before `contact` can be sent. */
export function missingPrimaryFields(contact: Partial<PrimaryContact>): PrimaryField[] {
  const missing: PrimaryField[] = PRIMARY_REQUIRED_FIELDS.filter((field) => !contact[field]?.trim());
  const country = normalisePrimaryField('countryCode', contact.countryCode);
  if (STATE_REQUIRED_COUNTRIES.includes(country) && !contact.stateOrRegion?.trim()) {
    missing.push('stateOrRegion');
  }
  return PRIMARY_FIELDS.filter((field) => missing.includes(field));
}
