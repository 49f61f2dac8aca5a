import { describe, expect, it } from 'vitest';
import { colorEnabled, createStyle } from '../../src/render/style.js';

const ESC = '\x1b[';

type Row = [boolean, Record<string, string>, boolean, boolean, string];

describe('colorEnabled', () => {
  it.each<Row>([
    // [stdoutIsTTY, env, --no-color, expected, why]
    [true, {}, false, true, 'a terminal gets colour'],
    [false, {}, false, false, 'a pipe gets none'],
    [true, { NO_COLOR: '1' }, false, false, 'NO_COLOR turns it off on a terminal'],
    [true, { NO_COLOR: '' }, false, true, 'an empty NO_COLOR is ignored (no-color.org)'],
    [false, { FORCE_COLOR: '1' }, false, true, 'FORCE_COLOR forces it into a pipe'],
    [false, { FORCE_COLOR: 'true' }, false, true, 'any FORCE_COLOR but "0" forces it'],
    [true, { FORCE_COLOR: '0' }, false, false, 'FORCE_COLOR=0 turns it off even on a terminal'],
    [false, { FORCE_COLOR: '' }, false, false, 'an empty FORCE_COLOR is ignored'],
    [false, { FORCE_COLOR: '1', NO_COLOR: '1' }, false, false, 'NO_COLOR beats FORCE_COLOR'],
    [true, {}, true, false, '--no-color turns it off on a terminal'],
    [false, { FORCE_COLOR: '1' }, true, false, '--no-color beats FORCE_COLOR'],
  ])('stdoutIsTTY=%s env=%j --no-color=%s → %s (%s)', (stdoutIsTTY, env, noColorFlag, expected) => {
    expect(colorEnabled({ stdoutIsTTY, env, noColorFlag })).toBe(expected);
  });
});

describe('createStyle', () => {
  it('wraps each role in its terraform colour when enabled', () => {
    const s = createStyle(true);
    expect(s.create('+')).toBe(`${ESC}32m+${ESC}39m`);
    expect(s.update('~')).toBe(`${ESC}33m~${ESC}39m`);
    expect(s.remove('-')).toBe(`${ESC}31m-${ESC}39m`);
    expect(s.fail('!')).toBe(`${ESC}31m!${ESC}39m`);
    expect(s.heading('Plan:')).toBe(`${ESC}1mPlan:${ESC}22m`);
    expect(s.dim('(in sync)')).toBe(`${ESC}2m(in sync)${ESC}22m`);
  });

  it('leaves an empty string empty, so padding maths is unchanged', () => {
    expect(createStyle(true).create('')).toBe('');
  });

  it('returns every text unchanged when disabled', () => {
    const s = createStyle(false);
    for (const role of ['create', 'update', 'remove', 'fail', 'heading', 'dim'] as const) {
      expect(s[role]('text')).toBe('text');
    }
  });
});
