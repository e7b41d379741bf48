// Command dsconform-upstream-served runs the genuine Kubernetes DaemonSet controller,
// k8s.io/kubernetes/pkg/controller/daemon at the release go.mod pins, as kube-controller-manager
// runs it: NewDaemonSetsController over a shared informer factory and a typed clientset built
// from a kubeconfig, with the same failed-pod backoff (1 s to 15 min) and two workers
// (ConcurrentDaemonSetSyncs' default). Real informers, real HTTP, no protocol: `dsconform check
// --serve` points it at `dsconform serve`.
//
//	dsconform-upstream-served [--kubeconfig FILE] [--clock-file FILE] [--workers N] [--mutant NAME]
//
// The kubeconfig comes from --kubeconfig or $KUBECONFIG. It runs until SIGINT or SIGTERM.
//
// The clock: the controller reads the time through its failed-pod backoff's clock (backoff,
// minReadySeconds availability, rolling updates). With --clock-file (or $DSCONFORM_CLOCK_FILE),
// that clock reads the served cluster's virtual time from the file dsconform keeps it in, so time
// moves for the controller exactly when it moves for the cluster; without it, the wall clock.
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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/controller/daemon"
	"k8s.io/utils/clock"
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

// servedClock is the wall clock except for Now and Since, which read the virtual time dsconform
// writes to a file (milliseconds since the epoch). Timers keep real time: the controller's
// requeues fire in real time, and dsconform wakes the controller after it moves the clock.
type servedClock struct {
	clock.RealClock
	file string
	mu   sync.Mutex
	last time.Time
}

func (c *servedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	text, err := os.ReadFile(c.file)
	if err == nil {
		if ms, perr := strconv.ParseInt(strings.TrimSpace(string(text)), 10, 64); perr == nil {
			c.last = time.UnixMilli(ms)
		}
	}
	if c.last.IsZero() {
		// dsconform writes the file before it starts the program: this is a misuse, not a race.
		fmt.Fprintf(os.Stderr, "dsconform-upstream-served: cannot read the clock file %s\n", c.file)
		os.Exit(2)
	}
	return c.last
}

func (c *servedClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster (default: $KUBECONFIG)")
	workers := flag.Int("workers", 2, "concurrent DaemonSet syncs (kube-controller-manager's --concurrent-daemonset-syncs)")
	mutant := flag.String("mutant", "", "a deliberately faulty variant: drops-pod-deletes, skips-status")
	clockFile := flag.String("clock-file", os.Getenv("DSCONFORM_CLOCK_FILE"), "read the time from this file (ms since the epoch) instead of the wall clock (default: $DSCONFORM_CLOCK_FILE)")
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
	backoff := flowcontrol.NewBackOff(1*time.Second, 15*time.Minute)
	if *clockFile != "" {
		backoff.Clock = &servedClock{file: *clockFile}
		backoff.Clock.Now() // fails now, not mid-sync, if the file cannot be read
	}
	dsc, err := daemon.NewDaemonSetsController(
		ctx,
		factory.Apps().V1().DaemonSets(),
		factory.Apps().V1().ControllerRevisions(),
		factory.Core().V1().Pods(),
		factory.Core().V1().Nodes(),
		client,
		backoff,
	)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dsconform-upstream-served: %v\n", err)
		os.Exit(1)
	}
	factory.Start(ctx.Done())
	dsc.Run(ctx, *workers)
	factory.Shutdown()
}
