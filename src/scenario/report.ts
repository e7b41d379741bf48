/**
 * The scenario run's report: `report.json` (versioned) and `junit.xml`, one test case per
 * scenario, written like `dsconform check`'s so that CI treats both alike.
 */
import { relative } from 'node:path';
import type { ImplementationRef } from '../harness/counterexample.js';
import { formatLocation } from '../manifests/inputError.js';
import { escapeXml } from '../report/junit.js';
import { type ScenarioResult, stepLabel } from './run.js';

export const SCENARIO_REPORT_SCHEMA = 'dsconform/scenario-report@1';

export interface ScenarioEntry {
  file: string;
  name: string;
  description: string;
  upstream: string[];
  issues: string[];
  tags: string[];
  verdict: ScenarioResult['verdict'];
  durationMs: number;
  failure?: {
    step: number;
    kind: string;
    location: string;
    expectation?: string;
    message: string;
    pods: string[];
  };
  skippedBecause?: string[];
  error?: string;
}

export interface ScenarioReport {
  schema: typeof SCENARIO_REPORT_SCHEMA;
  implementation: ImplementationRef;
  /** pass: every scenario passed or was skipped; fail: one failed; could-not-run: bad input or the implementation broke. */
  verdict: 'pass' | 'fail' | 'could-not-run';
  summary: { total: number; passed: number; failed: number; skipped: number; errors: number };
  scenarios: ScenarioEntry[];
}

/** Paths in the report are relative to `base` (the working directory), with forward slashes. */
export function scenarioReport(
  implementation: ImplementationRef,
  results: readonly ScenarioResult[],
  base: string,
): ScenarioReport {
  const count = (verdict: ScenarioResult['verdict']) => results.filter((r) => r.verdict === verdict).length;
  const summary = {
    total: results.length,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skipped'),
    errors: count('error'),
  };
  const rel = (file: string) => relative(base, file).split('\\').join('/') || file;
  return {
    schema: SCENARIO_REPORT_SCHEMA,
    implementation,
    verdict: summary.errors > 0 ? 'could-not-run' : summary.failed > 0 ? 'fail' : 'pass',
    summary,
    scenarios: results.map((r) => {
      const s = r.scenario;
      const f = r.failure;
      return {
        file: rel(s.file),
        name: s.name,
        description: s.description,
        upstream: [...s.upstream],
        issues: [...s.issues],
        tags: [...s.tags],
        verdict: r.verdict,
        durationMs: r.durationMs,
        ...(f
          ? {
              failure: {
                step: f.step,
                kind: f.kind,
                location: formatLocation({ ...f.location, file: rel(f.location.file) }),
                ...(f.expectation !== undefined ? { expectation: f.expectation } : {}),
                message: f.message,
                pods: [...f.pods],
              },
            }
          : {}),
        ...(r.skippedBecause ? { skippedBecause: [...r.skippedBecause] } : {}),
        ...(r.error !== undefined ? { error: r.error } : {}),
      };
    }),
  };
}

/** One <testsuite>, one <testcase> per scenario (classname: its directory). */
export function renderScenarioJunit(report: ScenarioReport): string {
  const { summary } = report;
  const cases = report.scenarios.map((s) => {
    const dir = s.file.includes('/') ? s.file.slice(0, s.file.lastIndexOf('/')) : '.';
    const classname = `dsconform.scenarios.${dir.replace(/^(\.\.\/)+/, '').replace(/[/\\]/g, '.')}`;
    const open = `    <testcase classname="${escapeXml(classname)}" name="${escapeXml(s.name)}" file="${escapeXml(s.file)}" time="${(s.durationMs / 1000).toFixed(3)}">`;
    if (s.verdict === 'fail' && s.failure) {
      const f = s.failure;
      const head = `${stepLabel({ number: f.step, kind: f.kind })}: ${f.message}`;
      const body = [
        head,
        `at ${f.location}`,
        ...(f.pods.length > 0 ? ['pods:', ...f.pods.map((p) => `  ${p}`)] : []),
      ].join('\n');
      return `${open}\n      <failure message="${escapeXml(head)}" type="expectation">${escapeXml(body)}</failure>\n    </testcase>`;
    }
    if (s.verdict === 'error')
      return `${open}\n      <error message="${escapeXml(s.error ?? 'could not run')}" type="error"/>\n    </testcase>`;
    if (s.verdict === 'skipped')
      return `${open}\n      <skipped message="${escapeXml((s.skippedBecause ?? []).join('; '))}"/>\n    </testcase>`;
    return `${open}</testcase>`;
  });
  const time = report.scenarios.reduce((t, s) => t + s.durationMs, 0) / 1000;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="dsconform scenarios ${escapeXml(report.implementation.name)}" tests="${summary.total}" failures="${summary.failed}" errors="${summary.errors}" skipped="${summary.skipped}">`,
    `  <testsuite name="dsconform scenarios" tests="${summary.total}" failures="${summary.failed}" errors="${summary.errors}" skipped="${summary.skipped}" time="${time.toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
