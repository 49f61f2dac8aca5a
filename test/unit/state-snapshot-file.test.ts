import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateFileError } from '../../src/errors.js';
import { type Snapshot, snapshotFromObservation } from '../../src/state/snapshot.js';
import { readSnapshotFile, writeSnapshotFile } from '../../src/state/snapshot-file.js';
import { SECURITY } from '../support/builders.js';

function snapshot(name = 'sandbox'): Snapshot {
  return snapshotFromObservation({
    observedAt: new Date('2026-03-01T02:00:00.000Z'),
    toolVersion: '0.1.0',
    organization: { id: 'o-exampleorg1', managementAccountId: '999999999999' },
    accounts: [
      {
        id: '111111111111',
        name,
        state: 'ACTIVE',
        tags: { team: 'core' },
        contacts: {
          SECURITY: {
            observed: { kind: 'present', contact: SECURITY },
            readAt: new Date('2026-03-01T02:00:01.000Z'),
          },
        },
      },
    ],
  });
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'enforce-state-'));
});
afterEach(async () => {
  await chmod(dir, 0o700).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('state file', () => {
  it('writes a snapshot that reads back equal, readable by its owner only', async () => {
    const path = join(dir, 'state.json');
    await writeSnapshotFile(path, snapshot());
    expect(await readSnapshotFile(path)).toEqual(snapshot());
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('replaces an existing snapshot whole, and with mode 0600 even if the old file was readable', async () => {
    const path = join(dir, 'state.json');
    await writeFile(path, 'old contents', { mode: 0o644 });
    await writeSnapshotFile(path, snapshot('renamed'));
    expect((await readSnapshotFile(path)).accounts[0]!.name).toBe('renamed');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('leaves no temporary file behind when the final rename fails', async () => {
    // A directory at the target path: the temporary file is written, the rename over it fails.
    const path = join(dir, 'state.json');
    await mkdir(join(path, 'occupied'), { recursive: true });
    await expect(writeSnapshotFile(path, snapshot())).rejects.toThrow(
      `${path}: cannot write the state file:`,
    );
    expect(await readdir(dir)).toEqual(['state.json']);
    expect((await stat(path)).isDirectory()).toBe(true);
  });

  it.skipIf(process.getuid?.() === 0)(
    'keeps the previous snapshot when the new one cannot be written (root ignores mode bits)',
    async () => {
      const path = join(dir, 'state.json');
      await writeSnapshotFile(path, snapshot('previous'));
      await chmod(dir, 0o500);
      await expect(writeSnapshotFile(path, snapshot('next'))).rejects.toThrow(
        `${path}: cannot write the state file: permission denied`,
      );
      await chmod(dir, 0o700);
      expect(await readdir(dir)).toEqual(['state.json']);
      expect((await readSnapshotFile(path)).accounts[0]!.name).toBe('previous');
    },
  );

  it('names the file when its directory does not exist', async () => {
    const path = join(dir, 'missing', 'state.json');
    await expect(writeSnapshotFile(path, snapshot())).rejects.toThrow(
      `${path}: cannot write the state file: no such file or directory`,
    );
  });

  it('names the file when reading fails or the contents are not a snapshot', async () => {
    const missing = join(dir, 'nope.json');
    await expect(readSnapshotFile(missing)).rejects.toThrow(
      `${missing}: cannot read the state file: no such file or directory`,
    );
    const truncated = join(dir, 'truncated.json');
    await writeFile(truncated, (await serialised()).slice(0, 40));
    await expect(readSnapshotFile(truncated)).rejects.toBeInstanceOf(StateFileError);
  });
});

async function serialised(): Promise<string> {
  const path = join(dir, 'whole.json');
  await writeSnapshotFile(path, snapshot());
  return readFile(path, 'utf8');
}
