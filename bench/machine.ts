/** The machine a benchmark ran on: figures mean nothing without it. */
import { arch, cpus, release, totalmem, type } from 'node:os';

export interface Machine {
  os: string;
  arch: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  v8: string;
}

export function describeMachine(): Machine {
  const list = cpus();
  return {
    os: `${type()} ${release()}`,
    arch: arch(),
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    v8: process.versions.v8,
  };
}
