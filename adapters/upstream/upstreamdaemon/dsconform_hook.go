// Package daemon is upstream's k8s.io/kubernetes/pkg/controller/daemon, compiled under this
// import path: at build time `go build -overlay` places upstream's own source files
// (daemon_controller.go, update.go, doc.go), read unmodified from the Go module cache, beside this
// file. This file is the only one in the repository; it is not part of Kubernetes. It lets the
// adapter reach the controller's unexported seams (its work queues, its event handlers, its
// expectations and its event recorders) and only forwards: no controller logic lives here.
package daemon

import (
	"context"

	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/controller"
)

// DsconformHook is the adapter's handle on one DaemonSetsController.
type DsconformHook struct {
	dsc    *DaemonSetsController
	logger klog.Logger
}

// NewDsconformHook wraps a controller made by NewDaemonSetsController.
func NewDsconformHook(dsc *DaemonSetsController, logger klog.Logger) *DsconformHook {
	return &DsconformHook{dsc: dsc, logger: logger}
}

// ReplaceQueues swaps the controller's DaemonSet and node-update queues for the adapter's (which
// run on the virtual clock) and shuts the original ones down.
func (h *DsconformHook) ReplaceQueues(daemonSets, nodes workqueue.TypedRateLimitingInterface[string]) {
	h.dsc.queue.ShutDown()
	h.dsc.nodeUpdateQueue.ShutDown()
	h.dsc.queue = daemonSets
	h.dsc.nodeUpdateQueue = nodes
}

// ReplaceRecorders sets the recorder of the controller's own events and that of its pod control.
func (h *DsconformHook) ReplaceRecorders(controllerEvents, podControlEvents record.EventRecorder) {
	h.dsc.eventRecorder = controllerEvents
	if pc, ok := h.dsc.podControl.(controller.RealPodControl); ok {
		pc.Recorder = podControlEvents
		h.dsc.podControl = pc
	}
}

// Expectations is the controller's expectations cache.
func (h *DsconformHook) Expectations() controller.ControllerExpectationsInterface {
	return h.dsc.expectations
}

// ProcessNextWorkItem runs the controller's own worker step for one DaemonSet key.
func (h *DsconformHook) ProcessNextWorkItem(ctx context.Context) bool {
	return h.dsc.processNextWorkItem(ctx)
}

// ProcessNextNodeUpdate runs the controller's own worker step for one node-update key.
func (h *DsconformHook) ProcessNextNodeUpdate(ctx context.Context) bool {
	return h.dsc.processNextNodeUpdate(ctx)
}

// Shutdown stops the goroutines NewDaemonSetsController started.
func (h *DsconformHook) Shutdown() {
	h.dsc.queue.ShutDown()
	h.dsc.nodeUpdateQueue.ShutDown()
	h.dsc.eventBroadcaster.Shutdown()
}

// The informers' event handlers, called exactly as NewDaemonSetsController registers them
// (note that its UpdateFunc for DaemonSets passes (oldObj, newObj) to updateDaemonset, whose
// parameters are named (cur, old): forwarded as registered).

func (h *DsconformHook) AddDaemonSet(obj interface{}) { h.dsc.addDaemonset(h.logger, obj) }
func (h *DsconformHook) UpdateDaemonSet(old, cur interface{}) {
	h.dsc.updateDaemonset(h.logger, old, cur)
}
func (h *DsconformHook) DeleteDaemonSet(obj interface{})    { h.dsc.deleteDaemonset(h.logger, obj) }
func (h *DsconformHook) AddHistory(obj interface{})         { h.dsc.addHistory(h.logger, obj) }
func (h *DsconformHook) UpdateHistory(old, cur interface{}) { h.dsc.updateHistory(h.logger, old, cur) }
func (h *DsconformHook) DeleteHistory(obj interface{})      { h.dsc.deleteHistory(h.logger, obj) }
func (h *DsconformHook) AddPod(obj interface{})             { h.dsc.addPod(h.logger, obj) }
func (h *DsconformHook) UpdatePod(old, cur interface{})     { h.dsc.updatePod(h.logger, old, cur) }
func (h *DsconformHook) DeletePod(obj interface{})          { h.dsc.deletePod(h.logger, obj) }
func (h *DsconformHook) AddNode(obj interface{})            { h.dsc.addNode(h.logger, obj) }
func (h *DsconformHook) UpdateNode(old, cur interface{})    { h.dsc.updateNode(h.logger, old, cur) }
