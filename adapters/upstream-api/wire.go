package main

// The "decode" request: an API request body in any encoding a Kubernetes client sends
// (protobuf, which client-go's typed clients prefer for built-in types since v0.32, JSON or YAML)
// decoded by client-go's own scheme and answered as JSON, so that `dsconform serve` can read the
// writes of unmodified clients. Nothing is defaulted or converted: the answer is the object as
// the client sent it, in wire JSON.
//
//	{"op":"decode","body":"<base64 of the request body>"}
//	-> {"accepted":true,"object":{"apiVersion":"v1","kind":"Pod",...}}

import (
	"encoding/json"
	"fmt"

	"k8s.io/client-go/kubernetes/scheme"
)

func decodeWire(req request) answer {
	if len(req.Body) == 0 {
		return badRequest(fmt.Errorf("decode needs the request body in \"body\""))
	}
	obj, gvk, err := scheme.Codecs.UniversalDeserializer().Decode(req.Body, nil, nil)
	if err != nil {
		return badRequest(err)
	}
	obj.GetObjectKind().SetGroupVersionKind(*gvk)
	body, err := json.Marshal(obj)
	if err != nil {
		return badRequest(err)
	}
	return answer{Accepted: true, Object: body}
}
