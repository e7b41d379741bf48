/** Regenerates the "Scenarios for the upstream tests" section of docs/upstream-tests.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { discoverScenarios } from '../src/scenario/discover.js';
import { loadScenario } from '../src/scenario/load.js';
import { upstreamScenarioIndex, withScenarioIndex } from '../src/scenario/upstreamIndex.js';

const doc = new URL('../docs/upstream-tests.md', import.meta.url);
const corpus = fileURLToPath(new URL('../scenarios', import.meta.url));
const text = readFileSync(doc, 'utf8');
const scenarios = discoverScenarios([corpus]).map(loadScenario);
writeFileSync(doc, withScenarioIndex(text, upstreamScenarioIndex(text, scenarios, corpus)));
