/**
 * Runs the committed path suite against the reference implementation and writes
 * reports/model-coverage/{coverage.json,index.html}. Exits 1 when a reachable item of the model
 * (invariants included) is uncovered or the reference violates an invariant on a path.
 * Usage: npx tsx scripts/model-coverage.ts [--out DIR]
 */
import { formatCoverage } from '../model/coverage.ts';
import { DEFAULT_MODEL_COVERAGE_DIR, runModelCoverage, writeModelCoverage } from '../src/report/modelCoverage.ts';

const outIndex = process.argv.indexOf('--out');
const dir = outIndex > 0 ? (process.argv[outIndex + 1] ?? DEFAULT_MODEL_COVERAGE_DIR) : DEFAULT_MODEL_COVERAGE_DIR;
const result = await runModelCoverage();
const files = writeModelCoverage(result, dir);
process.stdout.write(formatCoverage(result.report));
for (const v of result.violations)
  console.log(`VIOLATION on path ${v.path}: ${v.invariant} at step ${v.step}: ${v.message}`);
console.log(`${result.paths} paths, ${result.events} events, ${result.checks} invariant checks`);
console.log(`wrote ${files.json} and ${files.html}`);
process.exitCode = result.violations.length > 0 || result.uncovered.length > 0 ? 1 : 0;
