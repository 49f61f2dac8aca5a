/**
 * A separate process appending to one chained audit log, for the concurrency test:
 * `node --import tsx chain-appender.ts FILE RUN_ID COUNT`. It waits for FILE.go to exist so that every
 * appender starts writing at about the same time.
 */
import { existsSync, writeFileSync } from 'node:fs';
import pino from 'pino';
import { openChainedAuditFile } from '../../src/audit/chain.js';

const [file, runId, count] = process.argv.slice(2) as [string, string, string];
// Loaded: tell the test, which releases every appender once all are ready (tsx start-up varies with load).
writeFileSync(`${file}.ready-${runId}`, '');
const deadline = Date.now() + 60_000;
while (!existsSync(`${file}.go`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
const destination = openChainedAuditFile(file);
const logger = pino({ base: { runId }, messageKey: 'msg' }, destination);
// A short pause between lines keeps both appenders writing over the same stretch of time, so the test sees
// them interleave however the machine schedules their start.
for (let i = 0; i < Number(count); i++) {
  logger.info({ event: 'drift', i }, 'contact differs from policy');
  await new Promise((r) => setTimeout(r, 2));
}
destination.close();
