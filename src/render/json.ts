import type { Redactor } from '../core/redact.js';
import type { Plan } from '../core/types.js';

/** The SPEC JSON document, with contact values masked as the redactor says. */
export function planToJson(plan: Plan, redactor: Redactor): Plan {
  return {
    ...plan,
    accounts: plan.accounts.map((account) => ({
      ...account,
      items: account.items.map((item) => ({
        ...item,
        before: redactor.contact(item.before),
        after: redactor.contact(item.after),
      })),
    })),
  };
}

export function renderJson(plan: Plan, redactor: Redactor): string {
  return `${JSON.stringify(planToJson(plan, redactor), null, 2)}\n`;
}
