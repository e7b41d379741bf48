import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const modelDir = dirname(fileURLToPath(import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Module specifiers of static imports, re-exports and dynamic imports. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?(?:[\w*{}\s,]+?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?(?:\*|\{[^}]*\})(?:\s+as\s+\w+)?\s+from\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) if (m[1]) found.push(m[1]);
  return found;
}

const ALLOWED_PACKAGES = ['xstate', 'xstate/graph', 'kubernetes-types', 'vitest', 'fast-check'];

function allowed(spec: string, file: string): boolean {
  if (spec.startsWith('node:')) return true;
  if (spec.startsWith('.')) {
    const target = relative(modelDir, join(dirname(file), spec));
    return !target.startsWith('..');
  }
  return ALLOWED_PACKAGES.some((p) => spec === p || spec.startsWith(`${p}/`));
}

describe('model independence', () => {
  const files = tsFiles(modelDir);

  it('finds the model sources', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('never imports the implementation (src/) or anything but xstate, kubernetes-types and node built-ins', () => {
    const offending = files.flatMap((file) =>
      specifiers(readFileSync(file, 'utf8'))
        .filter((spec) => !allowed(spec, file) || /(^|\/)src(\/|$)/.test(spec))
        .map((spec) => `${relative(modelDir, file)} imports ${spec}`),
    );
    expect(offending).toEqual([]);
  });

  it('allows fast-check and vitest only in tests', () => {
    const offending = files
      .filter((f) => !f.endsWith('.test.ts'))
      .flatMap((file) =>
        specifiers(readFileSync(file, 'utf8'))
          .filter((spec) => spec === 'vitest' || spec === 'fast-check')
          .map((spec) => `${relative(modelDir, file)} imports ${spec}`),
      );
    expect(offending).toEqual([]);
  });

  it('detects an import of src/ (self-check of the scanner)', () => {
    const fake = join(modelDir, 'fake.ts');
    // Built from pieces so that this file's own text does not look like such an import.
    const q = "'";
    const source = `import { x } from ${q}../src/controller/manage.ts${q};\nexport * from ${q}../src/cluster/store.ts${q};`;
    expect(specifiers(source).filter((s) => !allowed(s, fake))).toEqual([
      '../src/controller/manage.ts',
      '../src/cluster/store.ts',
    ]);
  });
});
