import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeIssue, protocolSchemaText, Reply, Request } from './messages.js';

describe('protocol messages', () => {
  it('docs/protocol.schema.json is generated from the current schemas (npx tsx scripts/gen-protocol-schema.ts)', () => {
    expect(readFileSync(new URL('../../docs/protocol.schema.json', import.meta.url), 'utf8')).toBe(
      protocolSchemaText(),
    );
  });

  it('accepts the replies of a minimal session', () => {
    expect(
      Reply.safeParse({ type: 'init_ok', re: 1, protocol: 'dsconform/v1', implementation: { name: 'demo' } }).success,
    ).toBe(true);
    expect(Reply.safeParse({ type: 'reset_ok', re: 2 }).success).toBe(true);
    expect(
      Reply.safeParse({ type: 'sync_ok', re: 3, writes: [{ op: 'deletePod', name: 'p' }], wakeAfterSeconds: 1 })
        .success,
    ).toBe(true);
    expect(
      Request.safeParse({ type: 'sync', id: 3, now: '2025-01-01T00:00:00Z', events: [], results: [] }).success,
    ).toBe(true);
  });

  it('names the field and what was expected when a message is wrong', () => {
    const missingName = Reply.safeParse({ type: 'sync_ok', re: 3, writes: [{ op: 'deletePod' }] });
    expect(missingName.success).toBe(false);
    if (!missingName.success)
      expect(describeIssue(missingName.error)).toBe(
        'writes[0].name: Invalid input: expected string, received undefined',
      );
    const unknownOp = Reply.safeParse({ type: 'sync_ok', re: 3, writes: [{ op: 'explode' }] });
    if (!unknownOp.success) expect(describeIssue(unknownOp.error)).toMatch(/^writes\[0\]\.op: /);
    const capabilities = Reply.safeParse({
      type: 'init_ok',
      re: 1,
      protocol: 'x',
      implementation: {},
      capabilities: { surge: 'yes' },
    });
    if (!capabilities.success) expect(describeIssue(capabilities.error)).toMatch(/^implementation\.name: /);
  });
});
