/**
 * JUnit XML for CI systems: one <testsuite> per profile, one <testcase> per invariant; a failure
 * carries the counterexample trace, an invariant a profile could not exercise is <skipped/>.
 */
import type { ConformanceReport } from './conformanceReport.js';

export function escapeXml(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // XML 1.0 cannot carry most control characters at all.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
  );
}

export function renderJunit(report: ConformanceReport): string {
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  const suites: string[] = [];
  for (const profile of report.profiles) {
    const cases: string[] = [];
    let suiteFailures = 0;
    let suiteErrors = 0;
    let suiteSkipped = 0;
    for (const inv of profile.invariants) {
      const name = `${inv.id} ${inv.statement}`;
      const open = `    <testcase classname="dsconform.${escapeXml(profile.profile)}" name="${escapeXml(name)}" time="0">`;
      if (inv.verdict === 'fail' && profile.counterexample) {
        suiteFailures++;
        const cx = profile.counterexample;
        const flaky = cx.nonDeterministic === true;
        const body = [
          ...(flaky
            ? [
                'non-deterministic implementation: this case failed once and passed when run again with the same events (trace as observed, not shrunk)',
              ]
            : []),
          `${cx.invariant}: ${cx.message}${cx.node ? ` (node ${cx.node})` : ''}`,
          ...cx.trace.map((t) => `${t.index + 1}. ${t.description}`),
          `seed ${cx.seed}, case ${cx.caseIndex}, shrink path ${cx.path}`,
          report.replay ?? '',
        ].join('\n');
        cases.push(
          `${open}\n      <failure message="${escapeXml(`${flaky ? 'non-deterministic implementation: ' : ''}${cx.invariant}: ${cx.message}`)}" type="${flaky ? 'non-deterministic' : 'violation'}">${escapeXml(body)}</failure>\n    </testcase>`,
        );
      } else if (profile.verdict === 'could-not-check') {
        suiteErrors++;
        cases.push(
          `${open}\n      <error message="${escapeXml(profile.error ?? 'could not check')}" type="adapter"/>\n    </testcase>`,
        );
      } else if (inv.verdict === 'skipped' || inv.verdict === 'not-run' || inv.verdict === 'not-exercised') {
        suiteSkipped++;
        const why =
          inv.verdict === 'skipped' ? (profile.skippedBecause ?? []).join('; ') : 'not exercised by this profile';
        cases.push(`${open}\n      <skipped message="${escapeXml(why)}"/>\n    </testcase>`);
      } else {
        cases.push(`${open}</testcase>`);
      }
    }
    tests += profile.invariants.length;
    failures += suiteFailures;
    errors += suiteErrors;
    skipped += suiteSkipped;
    suites.push(
      `  <testsuite name="dsconform ${escapeXml(profile.profile)}" tests="${profile.invariants.length}" failures="${suiteFailures}" errors="${suiteErrors}" skipped="${suiteSkipped}" time="${(profile.durationMs / 1000).toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  lines.push(
    `<testsuites name="dsconform ${escapeXml(report.implementation.name)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}">`,
    ...suites,
    '</testsuites>',
    '',
  );
  return lines.join('\n');
}
