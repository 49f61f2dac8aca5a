/** The max-changes guard (SPEC "Safety"): refused writes are reported `max-changes`, nothing is written. */
export interface MaxChangesRefusal {
  writes: number;
  maxChanges: number;
  message: string;
}

export function checkMaxChanges(writes: number, maxChanges: number | undefined): MaxChangesRefusal | null {
  if (maxChanges === undefined || writes <= maxChanges) return null;
  return {
    writes,
    maxChanges,
    message: `refusing to apply: the plan writes ${writes} contacts, more than max-changes ${maxChanges}`,
  };
}
