//go:build dsconform_deps

// The upstream package whose sources the build overlays into ./upstreamdaemon: importing it here
// (under a tag no build sets) makes go mod tidy record every module those sources need.
package main

import _ "k8s.io/kubernetes/pkg/controller/daemon"
