/**
 * Every actor around the DaemonSet controller (scheduler, kubelet, garbage collector, ...) is a
 * step that the caller drives. `step` does one pass of the component's work over the current
 * store and says whether it changed anything; nothing runs on its own timer.
 */
export interface ClusterComponent {
  readonly name: string;
  step(): boolean;
}
