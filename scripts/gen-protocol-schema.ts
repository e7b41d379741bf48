/** Writes docs/protocol.schema.json from the zod schemas in src/protocol/messages.ts. */
import { writeFileSync } from 'node:fs';
import { protocolSchemaText } from '../src/protocol/messages.js';

writeFileSync(new URL('../docs/protocol.schema.json', import.meta.url), protocolSchemaText());
