/**
 * The allowed key a misspelt one most likely meant (`emial` → `email`, `setting` → `settings`), or
 * undefined when none is close: a suggestion that is a guess would mislead more than it helps.
 */
export function nearestKey(key: string, allowed: readonly string[]): string | undefined {
  const typed = key.toLowerCase();
  // One edit per three characters, at least one and at most two: `ous` → `ou` yes, `tags` → `name` no.
  const budget = Math.min(2, Math.max(1, Math.floor(typed.length / 3)));
  let best: { key: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const distance = editDistance(typed, candidate.toLowerCase());
    if (distance <= budget && (best === undefined || distance < best.distance))
      best = { key: candidate, distance };
  }
  return best?.key;
}

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and swaps of two neighbours each
 * count one, because a swapped pair (`emial`) is the commonest typing slip.
 */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, at(i - 2, j - 2) + 1);
      }
      (rows[i] as number[])[j] = distance;
    }
  }
  return at(a.length, b.length);
}
