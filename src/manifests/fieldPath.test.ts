import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFieldPath, locateApiField, parseFieldPath } from './fieldPath.js';
import { readYamlFile } from './yamlFile.js';

describe('parseFieldPath', () => {
  it('splits fields and indexes', () => {
    expect(parseFieldPath('spec.template.spec.containers[0].image')).toEqual([
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'image',
    ]);
  });

  it('keeps bracketed map keys whole', () => {
    expect(parseFieldPath('spec.template.spec.nodeSelector[kubernetes.io/os]')).toEqual([
      'spec',
      'template',
      'spec',
      'nodeSelector',
      'kubernetes.io/os',
    ]);
  });

  it('round-trips through formatFieldPath', () => {
    const path = 'spec.updateStrategy.rollingUpdate.maxSurge';
    expect(formatFieldPath(parseFieldPath(path))).toBe(path);
    expect(formatFieldPath(['nodes', 2, 'taints', 0, 'effect'])).toBe('nodes[2].taints[0].effect');
  });
});

describe('locateApiField', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsconform-path-'));
  const path = join(dir, 'ds.yaml');
  writeFileSync(
    path,
    [
      'kind: List',
      'items:',
      '  - kind: DaemonSet',
      '    spec:',
      '      template:',
      '        metadata:',
      '          labels:',
      '            app: a',
      '        spec:',
      '          containers:',
      '            - name: c',
      '              image: i',
      '',
    ].join('\n'),
  );
  const [doc] = readYamlFile(path);
  if (doc === undefined) throw new Error('no document');
  const base = ['items', 0];

  it('finds a field below a base path', () => {
    expect(locateApiField(doc, 'spec.template.spec.containers[0].image', base)).toMatchObject({
      line: 12,
      column: 15,
    });
  });

  it('finds template labels reported without .metadata (ValidatePodTemplateSpec)', () => {
    expect(locateApiField(doc, 'spec.template.labels', base)).toMatchObject({ line: 7, column: 11 });
  });

  it('falls back to the deepest existing field', () => {
    expect(locateApiField(doc, 'spec.updateStrategy.rollingUpdate', base)).toMatchObject({ line: 4, column: 5 });
  });
});
