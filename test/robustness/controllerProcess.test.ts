/** ControllerProcess framing and failure messages, on small scripted implementations. */
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../src/protocol/adapterError.js';
import { ControllerProcess } from '../../src/protocol/controllerProcess.js';
import type { Request } from '../../src/protocol/messages.js';
import { ROOT, stillRunningAfter } from './support.js';

const NOW = '2025-01-01T00:00:00Z';
const scripted = (mode: string) => `node test/robustness/fixtures/scripted.mjs ${mode}`;

async function withProcess<T>(
  mode: string,
  options: Parameters<typeof ControllerProcess.start>[2],
  body: (proc: ControllerProcess) => Promise<T>,
): Promise<T> {
  const proc = await ControllerProcess.start(scripted(mode), NOW, { cwd: ROOT, stepTimeoutMs: 2000, ...options });
  try {
    return await body(proc);
  } finally {
    const pid = proc.pid;
    await proc.close();
    if (pid !== undefined) expect(await stillRunningAfter([pid], 1000)).toEqual([]);
  }
}

const sync: Request = { type: 'sync', id: 0, now: NOW, events: [], results: [] };

describe('ControllerProcess', () => {
  it('reassembles replies written in pieces', async () => {
    await withProcess('chunks', {}, async (proc) => {
      expect(proc.implementation.name).toBe('scripted-chunks');
      for (let i = 0; i < 3; i++) expect((await proc.request(sync)).type).toBe('sync_ok');
    });
  });

  it('accepts CRLF line ends', async () => {
    await withProcess('crlf', {}, async (proc) => {
      expect((await proc.request({ type: 'reset', id: 0 })).type).toBe('reset_ok');
    });
  });

  it("reports an error reply as the implementation's own error, on one line", async () => {
    await withProcess('error', {}, async (proc) => {
      const failure = proc.request(sync);
      await expect(failure).rejects.toThrow(AdapterError);
      await expect(failure).rejects.toThrow(
        'implementation answered sync #2 with error "boom": "first line\\nsecond line"',
      );
    });
  });

  it('stops at a line over the limit even when it ends', async () => {
    await withProcess('long-line', { maxLineBytes: 1024 }, async (proc) => {
      await expect(proc.request(sync)).rejects.toThrow(
        /^stdout line of \d{4} bytes exceeds the 1024-byte limit while dsconform waited for the reply to sync #2$/,
      );
      expect(proc.failed?.failure).toBe('framing');
    });
  });

  it('gives init a start-up allowance longer than the step timeout', async () => {
    await withProcess('slow-init', { stepTimeoutMs: 100 }, async (proc) => {
      expect(proc.implementation.name).toBe('scripted-slow-init');
    });
    await expect(
      ControllerProcess.start(scripted('slow-init'), NOW, { cwd: ROOT, stepTimeoutMs: 100, startTimeoutMs: 100 }),
    ).rejects.toThrow('no reply to init #1 within 100 ms (the start-up allowance)');
  });

  it('refuses an empty command', async () => {
    await expect(ControllerProcess.start('  ', NOW)).rejects.toThrow('the controller command is empty');
  });
});
