/**
 * The model coverage gate: the committed path suite, run against the reference implementation,
 * must cover every reachable state, transition, guard outcome, event type, phase × event pair
 * and invariant of the model, and the reference must satisfy every invariant on every path.
 * Writes reports/model-coverage/{coverage.json,index.html}.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatCoverage } from '../model/coverage.ts';
import { committedPathSuite } from '../model/paths.ts';
import { referenceImplementation } from '../src/harness/implementation.ts';
import { mutantByName, mutantOptionsForStore } from '../src/harness/mutants.ts';
import {
  colourDiagram,
  DEFAULT_MODEL_COVERAGE_DIR,
  modelCoverageJson,
  renderModelCoverageHtml,
  runModelCoverage,
  writeModelCoverage,
} from '../src/report/modelCoverage.ts';

const SVG = readFileSync(new URL('../docs/daemonset-machine.svg', import.meta.url), 'utf8');

describe('model coverage of the committed path suite on the reference implementation', () => {
  it('covers every reachable item and the reference violates no invariant on any path', async () => {
    const result = await runModelCoverage();
    const files = writeModelCoverage(result, DEFAULT_MODEL_COVERAGE_DIR);
    expect(existsSync(files.json) && existsSync(files.html)).toBe(true);
    expect(result.paths).toBeGreaterThan(0);
    expect(
      result.violations.map((v) => `${v.path}: ${v.invariant} at step ${v.step}: ${v.message}`),
      'invariant violations of the reference on committed paths',
    ).toEqual([]);
    expect(
      result.uncovered.map((i) => `[${i.kind}] ${i.label}`),
      `reachable model items no committed path covers (regenerate model/paths.json with scripts/gen-paths.ts, or declare them in UNREACHABLE with a reason)\n${formatCoverage(result.report)}`,
    ).toEqual([]);
    for (const kind of ['stateNode', 'transition', 'guard', 'eventType', 'phaseEvent', 'invariant'] as const) {
      expect(result.report.summary[kind].uncovered, kind).toBe(0);
    }
    const json = JSON.parse(readFileSync(files.json, 'utf8'));
    expect(json.summary.transition.covered).toBe(json.summary.transition.total);
    expect(json.unreachable.length).toBe(result.report.summary.phaseEvent.unreachable);
    const html = readFileSync(files.html, 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('the gate notices a missing path: dropping paths leaves transitions uncovered, listed and drawn red', async () => {
    const suite = committedPathSuite();
    const result = await runModelCoverage(suite.slice(0, 3));
    const transitions = result.uncovered.filter((i) => i.kind === 'transition');
    expect(transitions.length).toBeGreaterThan(0);
    expect(result.report.summary.transition.uncovered).toBe(transitions.length);
    const html = renderModelCoverageHtml(result, SVG);
    expect(html).toContain('class="edge uncovered"');
    for (const t of transitions) expect(html).toContain(t.label.replace(/>/g, '&gt;'));
    expect(JSON.parse(modelCoverageJson(result)).uncovered.length).toBe(result.uncovered.length);
  });

  it('the gate notices a broken implementation: the duplicate-pods mutant violates an invariant on some path', async () => {
    const mutant = mutantByName('duplicate-pods');
    if (!mutant) throw new Error('no duplicate-pods mutant');
    const result = await runModelCoverage(
      committedPathSuite(),
      referenceImplementation('mutant duplicate-pods', mutantOptionsForStore(mutant)),
    );
    expect(result.violations.length).toBeGreaterThan(0);
    expect(renderModelCoverageHtml(result, SVG)).toContain('id="violations"');
  });

  it('draws everything covered (green) when nothing is uncovered', () => {
    const drawn = colourDiagram(SVG, []);
    expect(drawn).not.toContain('uncovered');
    expect(drawn).toContain('class="edge covered"');
    expect(drawn).toContain('class="node covered"');
  });
});
