import { describe, expect, it } from 'vitest';
import { nearestKey } from '../../src/policy/nearest-key.js';

const CONTACT = ['name', 'title', 'email', 'phone'];

describe('nearestKey', () => {
  it.each([
    ['emial', 'email'],
    ['emal', 'email'],
    ['Email', 'email'],
    ['phnoe', 'phone'],
    ['titel', 'title'],
  ])('suggests %s → %s', (typed, meant) => {
    expect(nearestKey(typed, CONTACT)).toBe(meant);
  });

  it('suggests the closest of several', () => {
    expect(nearestKey('setting', ['version', 'contacts', 'scope', 'overrides', 'settings'])).toBe('settings');
    expect(nearestKey('maxChange', ['concurrency', 'maxChanges', 'managementAccount'])).toBe('maxChanges');
  });

  it('suggests nothing when no key is close', () => {
    expect(nearestKey('pager', CONTACT)).toBeUndefined();
    expect(nearestKey('only', ['include', 'exclude'])).toBeUndefined();
    expect(nearestKey('x', ['ous'])).toBeUndefined();
  });
});
