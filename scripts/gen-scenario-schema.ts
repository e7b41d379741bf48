/** Writes docs/scenario.schema.json from the zod schemas in src/scenario/schema.ts. */
import { writeFileSync } from 'node:fs';
import { scenarioSchemaText } from '../src/scenario/schema.js';

writeFileSync(new URL('../docs/scenario.schema.json', import.meta.url), scenarioSchemaText());
