import { describe, expect, it } from 'vitest';
import { describeAge, planAgeLine, savedPlanMessage } from '../../src/render/saved-plan-message.js';

describe('savedPlanMessage', () => {
  it('names the file and the exact command that applies it', () => {
    expect(savedPlanMessage('plan.json')).toBe(
      '\nSaved the plan to: plan.json\n\nTo apply exactly this plan:\n  enforce apply --plan plan.json\n',
    );
  });

  it('quotes a path the shell would split, so the command can be pasted', () => {
    expect(savedPlanMessage('my plans/it’s.json')).toContain("  enforce apply --plan 'my plans/it’s.json'\n");
    expect(savedPlanMessage("a'b.json")).toContain(`  enforce apply --plan 'a'\\''b.json'\n`);
  });
});

describe('planAgeLine', () => {
  const now = new Date('2026-12-02T03:10:00Z');
  const arn = 'arn:aws:sts::111111111111:assumed-role/enforce/ci';

  it('says how old the plan is, when it was made and by whom', () => {
    expect(planAgeLine('2026-12-02T01:00:00.000Z', now, arn)).toBe(
      `Applying a plan made 2 hours ago (2026-12-02T01:00:00Z) by ${arn}\n`,
    );
  });

  it('leaves out "by" when the plan does not record the caller', () => {
    expect(planAgeLine('2026-12-02T03:00:00Z', now)).toBe(
      'Applying a plan made 10 minutes ago (2026-12-02T03:00:00Z)\n',
    );
  });

  it('does not invent an age for a createdAt that is not a date', () => {
    expect(planAgeLine('yesterday', now)).toBe('Applying a plan made at an unknown time (yesterday)\n');
  });
});

describe('describeAge', () => {
  it.each([
    [0, 'just now'],
    [59_999, 'just now'],
    [60_000, '1 minute ago'],
    [59 * 60_000 + 59_999, '59 minutes ago'],
    [60 * 60_000, '1 hour ago'],
    [47 * 3_600_000 + 3_599_999, '47 hours ago'],
    [48 * 3_600_000, '2 days ago'],
    [-30_000, 'just now'],
    [-3_600_000, 'in the future (check the clocks)'],
  ])('%i ms → %j', (ms, expected) => {
    expect(describeAge(ms)).toBe(expected);
  });
});
