// Command dsconform-upstream speaks dsconform's controller protocol (docs/protocol.md,
// dsconform/v1) on stdin/stdout and runs the genuine Kubernetes DaemonSet controller,
// k8s.io/kubernetes/pkg/controller/daemon, behind it. See adapters/upstream/README.md.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"k8s.io/klog/v2"
)

const protocolVersion = "dsconform/v1"

type request struct {
	Type     string        `json:"type"`
	ID       *int64        `json:"id"`
	Protocol string        `json:"protocol"`
	Now      string        `json:"now"`
	Events   []watchEvent  `json:"events"`
	Results  []writeResult `json:"results"`
	// Relist: the watches broke; Events are a full LIST (see host.relist).
	Relist bool `json:"relist"`
}

type watchEvent struct {
	Type   string          `json:"type"`
	Kind   string          `json:"kind"`
	Object json.RawMessage `json:"object"`
}

type writeResult struct {
	OK    bool `json:"ok"`
	Error *struct {
		Reason  string `json:"reason"`
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// kubernetesVersion is the k8s.io/kubernetes module this binary was built with.
func kubernetesVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "k8s.io/kubernetes" {
				return dep.Version
			}
		}
	}
	return "unknown"
}

func parseNow(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}

type server struct {
	host *host
}

func (s *server) handle(req *request) (map[string]any, bool) {
	re := int64(0)
	if req.ID != nil {
		re = *req.ID
	}
	fail := func(code string, err error) (map[string]any, bool) {
		return map[string]any{"type": "error", "re": re, "code": code, "text": err.Error()}, true
	}
	switch req.Type {
	case "init":
		return map[string]any{
			"type": "init_ok", "re": re, "protocol": protocolVersion,
			"implementation": map[string]any{"name": "kubernetes-upstream", "version": kubernetesVersion()},
			"capabilities": map[string]any{
				"surge": true, "rollingUpdate": true, "revisions": true, "taints": true, "relist": true,
			},
		}, true
	case "reset":
		if s.host != nil {
			s.host.close()
			s.host = nil
		}
		return map[string]any{"type": "reset_ok", "re": re}, true
	case "shutdown":
		return nil, false
	case "sync":
		now, err := parseNow(req.Now)
		if err != nil {
			return fail("bad-request", fmt.Errorf("now: %v", err))
		}
		if s.host == nil {
			if s.host, err = newHost(now); err != nil {
				return fail("controller", err)
			}
		}
		h := s.host
		h.setTime(now)
		h.applyResults(req.Results)
		listed := map[string]bool{}
		for i, ev := range req.Events {
			key, err := h.applyEvent(ev)
			if err != nil {
				return fail("bad-request", fmt.Errorf("events[%d]: %v", i, err))
			}
			if req.Relist {
				listed[ev.Kind+"/"+key] = true
			}
		}
		if req.Relist {
			h.relist(listed)
		}
		if err := h.run(); err != nil {
			return fail("controller", err)
		}
		h.noteExpectations()
		h.lastWrites = h.api.take()
		writes := make([]map[string]any, 0, len(h.lastWrites))
		for _, w := range h.lastWrites {
			if rv, ok := w.write["resourceVersion"]; ok && rv == "" {
				delete(w.write, "resourceVersion")
			}
			writes = append(writes, w.write)
		}
		reply := map[string]any{"type": "sync_ok", "re": re, "writes": writes}
		if wake, ok := h.wakeAfter(); ok {
			reply["wakeAfterSeconds"] = wake
		}
		return reply, true
	default:
		return fail("bad-request", fmt.Errorf("unknown request type %q", req.Type))
	}
}

func serve(in io.Reader, out io.Writer) error {
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	writer := bufio.NewWriter(out)
	s := &server{}
	defer func() {
		if s.host != nil {
			s.host.close()
		}
	}()
	for scanner.Scan() {
		line := scanner.Bytes()
		if len(line) == 0 {
			continue
		}
		var req request
		var reply map[string]any
		if err := json.Unmarshal(line, &req); err != nil {
			reply = map[string]any{"type": "error", "code": "bad-json", "text": "request is not JSON: " + err.Error()}
		} else {
			var more bool
			if reply, more = s.handle(&req); !more {
				return nil
			}
		}
		encoded, err := json.Marshal(reply)
		if err != nil {
			return err
		}
		if _, err := writer.Write(append(encoded, '\n')); err != nil {
			return err
		}
		if err := writer.Flush(); err != nil {
			return err
		}
	}
	return scanner.Err()
}

func main() {
	version := flag.Bool("version", false, "print the Kubernetes version this adapter runs and exit")
	klogFlags := flag.NewFlagSet("klog", flag.ExitOnError)
	klog.InitFlags(klogFlags)
	verbosity := flag.String("v", "0", "controller log verbosity (klog -v), logged to stderr")
	flag.Parse()
	if *version {
		fmt.Println(kubernetesVersion())
		return
	}
	_ = klogFlags.Set("v", *verbosity)
	_ = klogFlags.Set("logtostderr", "true")
	if err := serve(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "dsconform-upstream:", err)
		os.Exit(2)
	}
}
