// Command dsconform-upstream-served runs the genuine Kubernetes DaemonSet controller,
// k8s.io/kubernetes/pkg/controller/daemon at the release go.mod pins, as kube-controller-manager
// runs it: NewDaemonSetsController over a shared informer factory and a typed clientset built
// from a kubeconfig, with the same failed-pod backoff (1 s to 15 min) and two workers
// (ConcurrentDaemonSetSyncs' default). Real informers, real HTTP, no protocol: `dsconform check
// --serve` points it at `dsconform serve`.
//
//	dsconform-upstream-served [--kubeconfig FILE] [--workers N] [--mutant NAME]
//
// The kubeconfig comes from --kubeconfig or $KUBECONFIG. It runs until SIGINT or SIGTERM.
//
// --mutant makes a deliberately faulty controller out of the genuine one by tampering with its
// requests on the way to the server (the controller's code is untouched), to show that a
// campaign catches a controller that misbehaves:
//
//	drops-pod-deletes   DELETE of a pod is answered 200 without reaching the server
//	skips-status        writes to daemonsets/status are answered with the object unchanged
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"syscall"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/controller/daemon"
)

var (
	podDelete   = regexp.MustCompile(`^/api/v1/namespaces/[^/]+/pods/[^/]+$`)
	statusWrite = regexp.MustCompile(`^/apis/apps/v1/namespaces/[^/]+/daemonsets/[^/]+/status$`)
)

// mutantTransport tampers with requests as the mutant says; every other request goes through.
type mutantTransport struct {
	mutant string
	next   http.RoundTripper
}

func (t *mutantTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch {
	case t.mutant == "drops-pod-deletes" && req.Method == http.MethodDelete && podDelete.MatchString(req.URL.Path):
		return fakeAnswer(req, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success"}`), nil
	case t.mutant == "skips-status" && req.Method == http.MethodPut && statusWrite.MatchString(req.URL.Path):
		// Answer with what is stored: the write looks accepted and changed nothing.
		get, err := http.NewRequestWithContext(req.Context(), http.MethodGet, req.URL.String(), nil)
		if err != nil {
			return nil, err
		}
		get.Header.Set("Accept", "application/json")
		return t.next.RoundTrip(get)
	}
	return t.next.RoundTrip(req)
}

func fakeAnswer(req *http.Request, body string) *http.Response {
	return &http.Response{
		StatusCode: http.StatusOK,
		Status:     "200 OK",
		Header:     http.Header{"Content-Type": []string{"application/json"}},
		Body:       io.NopCloser(bytes.NewBufferString(body)),
		Request:    req,
	}
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster (default: $KUBECONFIG)")
	workers := flag.Int("workers", 2, "concurrent DaemonSet syncs (kube-controller-manager's --concurrent-daemonset-syncs)")
	mutant := flag.String("mutant", "", "a deliberately faulty variant: drops-pod-deletes, skips-status")
	klogFlags := flag.NewFlagSet("klog", flag.ExitOnError)
	klog.InitFlags(klogFlags)
	flag.Parse()
	if *kubeconfig == "" {
		fmt.Fprintln(os.Stderr, "dsconform-upstream-served: no kubeconfig: pass --kubeconfig or set KUBECONFIG")
		os.Exit(2)
	}
	switch *mutant {
	case "", "drops-pod-deletes", "skips-status":
	default:
		fmt.Fprintf(os.Stderr, "dsconform-upstream-served: unknown --mutant %q (drops-pod-deletes, skips-status)\n", *mutant)
		os.Exit(2)
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dsconform-upstream-served: %s: %v\n", *kubeconfig, err)
		os.Exit(2)
	}
	config.UserAgent = "dsconform-upstream-served/daemonset-controller"
	if *mutant != "" {
		config.Wrap(func(next http.RoundTripper) http.RoundTripper { return &mutantTransport{mutant: *mutant, next: next} })
	}
	client, err := kubernetes.NewForConfig(rest.CopyConfig(config))
	if err != nil {
		fmt.Fprintf(os.Stderr, "dsconform-upstream-served: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// kube-controller-manager's shared informers resync every 12 to 24 hours: never in a campaign.
	factory := informers.NewSharedInformerFactory(client, 12*time.Hour)
	dsc, err := daemon.NewDaemonSetsController(
		ctx,
		factory.Apps().V1().DaemonSets(),
		factory.Apps().V1().ControllerRevisions(),
		factory.Core().V1().Pods(),
		factory.Core().V1().Nodes(),
		client,
		flowcontrol.NewBackOff(1*time.Second, 15*time.Minute),
	)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dsconform-upstream-served: %v\n", err)
		os.Exit(1)
	}
	factory.Start(ctx.Done())
	dsc.Run(ctx, *workers)
	factory.Shutdown()
}
