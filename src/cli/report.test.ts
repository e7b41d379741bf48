import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from '../../test/support/inProcessCli.js';

const dir = mkdtempSync(join(tmpdir(), 'dsconform-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  return runMain(args);
}

describe('conformance report files', () => {
  it('junit.xml has the testsuites/testsuite/testcase/failure structure CI systems read', async () => {
    const check = await run(
      'check',
      '--mutant',
      'duplicate-pods',
      '--profile',
      'core',
      '--seed',
      '1',
      '--runs',
      '300',
      '--report-dir',
      dir,
    );
    expect(check.code).toBe(1);
    const runDir = join(dir, 'conformance', 'mutant-duplicate-pods-core-seed1');
    const xml = readFileSync(join(runDir, 'junit.xml'), 'utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    expect(xml.trimEnd().endsWith('</testsuites>')).toBe(true);
    const suites = xml.match(/<testsuite [^>]*>/g) ?? [];
    expect(suites).toHaveLength(1);
    const tests = Number(/ tests="(\d+)"/.exec(suites[0] ?? '')?.[1]);
    const failures = Number(/ failures="(\d+)"/.exec(suites[0] ?? '')?.[1]);
    expect((xml.match(/<testcase /g) ?? []).length).toBe(tests);
    expect((xml.match(/<failure /g) ?? []).length).toBe(failures);
    expect(failures).toBe(1);
    // Every testcase is closed, and the failure carries the trace.
    expect((xml.match(/<testcase [^>]*>/g) ?? []).length).toBe((xml.match(/<\/testcase>/g) ?? []).length);
    expect(xml).toMatch(/<failure message="[^"]+" type="violation">[^<]*1\. NODE_ADDED/);
  });

  it('dsconform report regenerates index.html and junit.xml from report.json', async () => {
    const runDir = join(dir, 'conformance', 'mutant-duplicate-pods-core-seed1');
    const before = readFileSync(join(runDir, 'index.html'), 'utf8');
    rmSync(join(runDir, 'index.html'));
    const result = await run('report', runDir);
    expect(result.code).toBe(0);
    expect(existsSync(join(runDir, 'index.html'))).toBe(true);
    expect(readFileSync(join(runDir, 'index.html'), 'utf8')).toBe(before);
    const missing = await run('report', join(dir, 'nowhere'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^dsconform: .*nowhere\/report\.json: no such file\n$/);
  });
});
