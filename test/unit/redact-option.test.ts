import { describe, expect, it } from 'vitest';
import { parseRedactOption } from '../../src/cli/redact-option.js';
import { UsageError } from '../../src/errors.js';

describe('parseRedactOption', () => {
  it('no flag masks nothing; --redact alone masks every field', () => {
    expect(parseRedactOption(undefined)).toBe('none');
    expect(parseRedactOption(true)).toBe('all');
  });

  it('--redact=email,phone masks those fields, in the fixed field order', () => {
    expect(parseRedactOption('phone,email')).toEqual(['email', 'phone']);
    expect(parseRedactOption(' name ')).toEqual(['name']);
  });

  it('naming every field is --redact', () => {
    expect(parseRedactOption('name,title,email,phone')).toBe('all');
  });

  it('refuses an unknown or empty field, naming it and the allowed fields', () => {
    for (const [value, named] of [
      ['emial,phone', '"emial"'],
      ['', '""'],
      ['email,', '""'],
    ]) {
      const attempt = () => parseRedactOption(value);
      expect(attempt).toThrow(UsageError);
      expect(attempt).toThrow(
        `--redact: unknown field ${named}: list some of name, title, email, phone (comma-separated), or give --redact alone to mask every field`,
      );
    }
  });
});
