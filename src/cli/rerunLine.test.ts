import { describe, expect, it } from 'vitest';
import { implementationFlags } from './check.js';

const shape = { nodes: 3, maxEvents: 30 };

describe('the rerun line names what was checked', () => {
  it('adds nothing for the reference with the default case shape', () => {
    expect(implementationFlags(shape)).toBe('');
  });

  it('names a controller, a mutant, a cluster, upstream and a served command, quoting for the shell', () => {
    expect(implementationFlags({ ...shape, controller: 'python3 examples/python/controller.py' })).toBe(
      " --controller 'python3 examples/python/controller.py'",
    );
    expect(implementationFlags({ ...shape, mutant: 'ignores-noexecute', nodes: 5 })).toBe(
      ' --mutant ignores-noexecute --nodes 5',
    );
    expect(implementationFlags({ ...shape, kubeconfig: 'kind.yaml', context: 'kind-a' })).toBe(
      ' --kubeconfig kind.yaml --context kind-a',
    );
    expect(implementationFlags({ ...shape, controller: '/cache/dsconform-upstream', upstream: '1.37' })).toBe(
      ' --upstream 1.37',
    );
    expect(implementationFlags({ ...shape, serve: ['/cache/b'], upstream: '1.37' })).toBe(' --serve --upstream 1.37');
    expect(implementationFlags({ ...shape, serve: ['./ctl', '--flag', "it's"], maxEvents: 10 })).toBe(
      ` --max-events 10 --serve -- ./ctl --flag 'it'\\''s'`,
    );
    // --clock only where it differs from the default: virtual for upstream's program, wall for any other.
    expect(implementationFlags({ ...shape, serve: ['/cache/b'], upstream: '1.37', clock: 'virtual' })).toBe(
      ' --serve --upstream 1.37',
    );
    expect(implementationFlags({ ...shape, serve: ['/cache/b'], upstream: '1.37', clock: 'wall' })).toBe(
      ' --serve --upstream 1.37 --clock wall',
    );
    expect(implementationFlags({ ...shape, serve: ['./ctl'], clock: 'virtual' })).toBe(
      ' --clock virtual --serve -- ./ctl',
    );
  });
});
