// Command dsconform-upstream-api answers, one JSON line per request line, what the genuine
// Kubernetes API server does with a DaemonSet write: the apps/v1 decoding (defaulting through the
// defaulting funcs registered in legacyscheme by pkg/apis/apps/install, then conversion to the
// internal type), the registry strategy of pkg/registry/apps/daemonset (PrepareForCreate,
// PrepareForUpdate, Validate, ValidateUpdate, and the status strategy for the status
// subresource) run through the generic registry's rest.BeforeCreate / rest.BeforeUpdate, and the
// conversion back to apps/v1 that carries spec.templateGeneration in the
// deprecated.daemonset.template.generation annotation.
//
// Requests (stdin, one JSON object per line):
//
//	{"op":"create","object":<apps/v1 DaemonSet>}
//	{"op":"update","old":<apps/v1 DaemonSet as stored>,"object":<apps/v1 DaemonSet>}
//	{"op":"updateStatus","old":<as stored>,"object":<apps/v1 DaemonSet>}
//	{"op":"decode","body":<base64 request body>}   (wire.go: any encoding a client sends, as JSON)
//
// Answers (stdout, one JSON object per line, in order):
//
//	{"accepted":true,"object":<apps/v1 DaemonSet as stored>}
//	{"accepted":false,"reason":"Invalid","code":422,"message":"...","errors":[{"type":"FieldValueInvalid","field":"spec.x","detail":"...","origin":"...","error":"spec.x: Invalid value: ..."}]}
//	{"accepted":false,"reason":"BadRequest","code":400,"message":"..."}   (the body does not decode)
//
// Nothing is stored: an update names the stored object it replaces. The system fields a store
// writes (uid, creationTimestamp; resourceVersion counts this program's writes) are not part of
// the answer's meaning. An update without resourceVersion is unconditional (the stored one is
// taken, as the generic registry does for DaemonSets); one with another than the stored object's
// is a 409 Conflict.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/apis/apps"
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	"k8s.io/kubernetes/pkg/registry/apps/daemonset"
)

type request struct {
	Op     string          `json:"op"`
	Object json.RawMessage `json:"object"`
	Old    json.RawMessage `json:"old,omitempty"`
	// Body is a raw request body for "decode" (base64 in the request line).
	Body []byte `json:"body,omitempty"`
}

type fieldError struct {
	Type   string `json:"type"`
	Field  string `json:"field"`
	Detail string `json:"detail"`
	Origin string `json:"origin,omitempty"`
	// Error is field.Error.Error(): "<field>: <type text>: <value>: <detail>".
	Error string `json:"error"`
}

type answer struct {
	Accepted bool            `json:"accepted"`
	Reason   string          `json:"reason,omitempty"`
	Code     int32           `json:"code,omitempty"`
	Message  string          `json:"message,omitempty"`
	Errors   []fieldError    `json:"errors,omitempty"`
	Object   json.RawMessage `json:"object,omitempty"`
}

var (
	internalVersion = schema.GroupVersion{Group: apps.GroupName, Version: runtime.APIVersionInternal}
	decoder         runtime.Decoder
	encoder         runtime.Encoder
)

func init() {
	info, ok := runtime.SerializerInfoForMediaType(legacyscheme.Codecs.SupportedMediaTypes(), runtime.ContentTypeJSON)
	if !ok {
		panic("no JSON serializer in legacyscheme")
	}
	// What the API server's handlers use: decode apps/v1, default, convert to the internal hub version.
	decoder = legacyscheme.Codecs.DecoderToVersion(info.Serializer, internalVersion)
	encoder = legacyscheme.Codecs.EncoderForVersion(info.Serializer, appsv1.SchemeGroupVersion)
}

// decode turns an apps/v1 DaemonSet body into the internal object, as the API server's request
// decoding does (and as reading the stored apps/v1 object back does).
func decode(body []byte) (*apps.DaemonSet, error) {
	gvk := appsv1.SchemeGroupVersion.WithKind("DaemonSet")
	obj, _, err := decoder.Decode(body, &gvk, nil)
	if err != nil {
		return nil, err
	}
	ds, ok := obj.(*apps.DaemonSet)
	if !ok {
		return nil, fmt.Errorf("decoded a %T, not a DaemonSet", obj)
	}
	return ds, nil
}

func requestContext(ds *apps.DaemonSet, verb, subresource string) context.Context {
	namespace := ds.Namespace
	if namespace == "" {
		namespace = "default"
	}
	ctx := genericapirequest.WithNamespace(context.Background(), namespace)
	return genericapirequest.WithRequestInfo(ctx, &genericapirequest.RequestInfo{
		IsResourceRequest: true,
		Verb:              verb,
		APIPrefix:         "apis",
		APIGroup:          appsv1.GroupName,
		APIVersion:        appsv1.SchemeGroupVersion.Version,
		Namespace:         namespace,
		Resource:          "daemonsets",
		Subresource:       subresource,
		Name:              ds.Name,
	})
}

func renderErrors(list field.ErrorList) []fieldError {
	out := make([]fieldError, 0, len(list))
	for _, e := range list {
		out = append(out, fieldError{
			Type:   string(e.Type),
			Field:  e.Field,
			Detail: e.Detail,
			Origin: e.Origin,
			Error:  e.Error(),
		})
	}
	return out
}

// refused answers a failed request. For 422s the field errors are the list the registry's
// validation produced (recomputed on the prepared object: validation is pure, so it is the same
// list the Invalid status was built from).
func refused(err error, list func() field.ErrorList) answer {
	a := answer{Accepted: false, Message: err.Error()}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		s := status.Status()
		a.Reason = string(s.Reason)
		a.Code = s.Code
		if s.Reason == "Invalid" && list != nil {
			a.Errors = renderErrors(list())
		}
	} else {
		a.Reason = "BadRequest"
		a.Code = 400
	}
	return a
}

func badRequest(err error) answer {
	return refused(apierrors.NewBadRequest(err.Error()), nil)
}

func stored(ds *apps.DaemonSet) answer {
	body, err := runtime.Encode(encoder, ds)
	if err != nil {
		return answer{Accepted: false, Reason: "InternalError", Code: 500, Message: err.Error()}
	}
	return answer{Accepted: true, Object: json.RawMessage(trimNewline(body))}
}

// resourceVersion counts this program's successful writes, as a store's revision would.
var resourceVersion uint64

func nextResourceVersion() string {
	resourceVersion++
	return strconv.FormatUint(resourceVersion, 10)
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func create(req request) answer {
	ds, err := decode(req.Object)
	if err != nil {
		return badRequest(err)
	}
	if ds.Namespace == "" {
		ds.Namespace = "default"
	}
	if ds.GenerateName != "" && ds.Name == "" {
		// The registry would ask the strategy's NameGenerator for a random suffix; a fixed one
		// keeps answers deterministic.
		ds.Name = ds.GenerateName + "x0000"
	}
	accessor, err := meta.Accessor(ds)
	if err != nil {
		return badRequest(err)
	}
	rest.FillObjectMetaSystemFields(accessor)
	ctx := requestContext(ds, "create", "")
	if err := rest.BeforeCreate(daemonset.Strategy, ctx, ds); err != nil {
		return refused(err, func() field.ErrorList { return rest.ValidateCreate(ctx, ds, daemonset.Strategy) })
	}
	ds.ResourceVersion = nextResourceVersion()
	return stored(ds)
}

func update(req request, status bool) answer {
	if len(req.Old) == 0 {
		return badRequest(errors.New("an update needs the stored object in \"old\""))
	}
	old, err := decode(req.Old)
	if err != nil {
		return badRequest(fmt.Errorf("the stored object does not decode: %w", err))
	}
	ds, err := decode(req.Object)
	if err != nil {
		return badRequest(err)
	}
	if ds.Namespace == "" {
		ds.Namespace = old.Namespace
	}
	// The generic registry's optimistic concurrency: a body without resourceVersion is an
	// unconditional update (DaemonSets allow it) and takes the stored one; any other must match.
	switch ds.ResourceVersion {
	case "":
		ds.ResourceVersion = old.ResourceVersion
	case old.ResourceVersion:
	default:
		return refused(apierrors.NewConflict(apps.Resource("daemonsets"), ds.Name,
			errors.New("the object has been modified; please apply your changes to the latest version and try again")), nil)
	}
	var strategy rest.RESTUpdateStrategy = daemonset.Strategy
	subresource := ""
	if status {
		strategy = daemonset.StatusStrategy
		subresource = "status"
	}
	ctx := requestContext(old, "update", subresource)
	if err := rest.BeforeUpdate(strategy, ctx, ds, old); err != nil {
		return refused(err, func() field.ErrorList { return rest.ValidateUpdate(ctx, ds, old, strategy) })
	}
	ds.ResourceVersion = nextResourceVersion()
	return stored(ds)
}

func serve(in io.Reader, out io.Writer) error {
	reader := bufio.NewReaderSize(in, 1<<20)
	writer := bufio.NewWriter(out)
	for {
		line, readErr := reader.ReadBytes('\n')
		if len(trimNewline(line)) > 0 {
			var req request
			var a answer
			if err := json.Unmarshal(line, &req); err != nil {
				a = badRequest(fmt.Errorf("request is not JSON: %w", err))
			} else {
				switch req.Op {
				case "create":
					a = create(req)
				case "update":
					a = update(req, false)
				case "updateStatus":
					a = update(req, true)
				case "decode":
					a = decodeWire(req)
				default:
					a = badRequest(fmt.Errorf("unknown op %q (create, update, updateStatus, decode)", req.Op))
				}
			}
			body, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if _, err := writer.Write(append(body, '\n')); err != nil {
				return err
			}
			// One answer per request, flushed at once: the caller waits for it before the next.
			if err := writer.Flush(); err != nil {
				return err
			}
		}
		if readErr == io.EOF {
			return nil
		}
		if readErr != nil {
			return readErr
		}
	}
}

func main() {
	// klog (declarative-validation mismatch reports and the like) stays off stdout and quiet.
	flags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(flags)
	_ = flags.Set("logtostderr", "false")
	_ = flags.Set("alsologtostderr", "false")
	_ = flags.Set("stderrthreshold", "FATAL")
	klog.SetOutput(io.Discard)
	if err := serve(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "dsconform-upstream-api:", err)
		os.Exit(1)
	}
}
