import { createWriteStream, existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { Refusal, headerLine, type BackupHeader } from './format.ts';

/**
 * Writes a backup file: the header, then whatever `payload` writes. The file is written under a
 * `.partial` name and renamed only once complete and flushed to disk, so a backup that fails half
 * way never leaves a file that looks whole. It is readable by its owner only: it holds personal data.
 */
export async function writeBackupFile(out: string, header: BackupHeader, payload: (to: Writable) => Promise<void>): Promise<void> {
  if (existsSync(out)) throw new Refusal(`${out} already exists. Backups are never overwritten: choose another file name.`);
  const partial = `${out}.partial`;
  // flush: the data reaches the disk before the stream reports itself closed.
  const stream = createWriteStream(partial, { flags: 'w', mode: 0o600, flush: true });
  const closed = new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.once('close', resolve);
  });
  // Awaited below; marked handled now so an early failure is not reported as unhandled meanwhile.
  closed.catch(() => undefined);
  try {
    await new Promise<void>((resolve, reject) => stream.write(headerLine(header), (err) => (err ? reject(err) : resolve())));
    await payload(stream);
    stream.end();
    await closed;
  } catch (err) {
    stream.destroy();
    await closed.catch(() => undefined);
    await rm(partial, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EROFS' || code === 'EISDIR') {
      throw new Refusal(`Cannot write ${out} (${code}). Check that its directory exists and is writable.`);
    }
    throw err;
  }
  await rename(partial, out);
}
