//go:build ignore

// Which fields of the template's Kubernetes types the API server drops when their value is the
// zero value: Go's encoding/json omits a field tagged `omitempty` when it is false, 0, "", an
// empty slice or map, or a nil pointer. A pointer field is kept whenever it is set (false, 0 and
// {} included); a struct field is never omitted by `omitempty`. So the fields that lose a zero
// value on the way through the API server (admission review and storage) are exactly the
// non-pointer bool, integer, float, string, slice, map and array fields tagged `omitempty`.
//
// Run by generate.ts (goOmitEmptyFields) inside the module the end-to-end suite built the
// kube-apiserver from (.cache/e2e/build/kube-apiserver, made by `npm run e2e:setup`), so the
// types are those of the very API server the schema is generated from:
//
//	cd .cache/e2e/build/kube-apiserver && go run /path/to/go-omitempty.go
//
// It reads the compiled types with reflect, as encoding/json does, rather than parsing
// types.go: no hand-written parser to keep right (embedded structs, named types, types from
// other packages). Output on stdout, JSON:
//
//	{"module": "k8s.io/api v0.37.2", "definitions": {"<OpenAPI model name>": {"<json field>": "<kind>"}}}
//
// with one entry per struct type reachable from Container, Volume and LocalObjectReference and
// every JSON field of it (embedded structs inlined), kind one of:
//
//	omitempty:<bool|int|float|string|slice|map|array>  dropped when zero: what read.ts strips
//	pointer                                             kept whenever set
//	struct                                              never omitted (a non-pointer struct)
//	kept:<kind>                                         no omitempty: always written
//	unhandled: <why>                                    omitzero (omits a zero struct, and a nil
//	                                                    but not an empty slice), omitempty on an
//	                                                    interface: not what read.ts does
//
// A type with its own MarshalJSON (Quantity, IntOrString) has no fields. generate.ts checks the
// field names against the schema's and refuses an unhandled field in a type the schema keeps
// (some are reachable only through volume kinds the schema leaves out, e.g.
// ObjectMeta.creationTimestamp through ephemeral). It exits non-zero on a duplicate JSON name
// or a type without an OpenAPI model name.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"runtime/debug"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

type modelNamer interface{ OpenAPIModelName() string }

var (
	marshaler   = reflect.TypeFor[json.Marshaler]()
	definitions = map[string]map[string]string{}
	seen        = map[reflect.Type]bool{}
	fields      = 0
	pointers    = 0
	omitted     = 0
)

func main() {
	for _, root := range []reflect.Type{
		reflect.TypeFor[corev1.Container](),
		reflect.TypeFor[corev1.Volume](),
		reflect.TypeFor[corev1.LocalObjectReference](),
	} {
		visit(root)
	}
	module := "k8s.io/api (version unknown)"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "k8s.io/api" {
				module = dep.Path + " " + dep.Version
				if dep.Replace != nil {
					module = dep.Replace.Path + " " + dep.Replace.Version
				}
			}
		}
	}
	out, err := json.Marshal(map[string]any{"module": module, "definitions": definitions})
	if err != nil {
		fail("%v", err)
	}
	os.Stdout.Write(append(out, '\n'))
	fmt.Fprintf(os.Stderr, "go-omitempty: %s: %d struct types, %d JSON fields, %d pointer fields, %d non-pointer omitempty fields\n",
		module, len(definitions), fields, pointers, omitted)
}

// visit records a type and everything it reaches: struct types get a definition, pointers,
// slices, maps and arrays are looked through.
func visit(t reflect.Type) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	namer, ok := reflect.New(t).Elem().Interface().(modelNamer)
	if !ok {
		fail("%s has no OpenAPIModelName: cannot name its schema definition", t)
	}
	name := namer.OpenAPIModelName()
	own := map[string]string{}
	definitions[name] = own
	// A type with its own MarshalJSON (Quantity, IntOrString) is a leaf: its Go fields are not
	// JSON fields.
	if t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler) {
		return
	}
	names := map[string]bool{}
	collect(t, name, own, names)
}

// collect adds the JSON fields of struct t (embedded structs without a JSON name inlined, as
// encoding/json does) to the definition `name`.
func collect(t reflect.Type, name string, own map[string]string, names map[string]bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		jsonName, options, _ := strings.Cut(tag, ",")
		if f.Anonymous && jsonName == "" {
			inner := f.Type
			if inner.Kind() == reflect.Pointer {
				fail("%s: embedded pointer %s: not handled", name, inner)
			}
			if inner.Kind() == reflect.Struct {
				collect(inner, name, own, names)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if jsonName == "" {
			jsonName = f.Name
		}
		if names[jsonName] {
			fail("%s.%s: two Go fields give this JSON name", name, jsonName)
		}
		names[jsonName] = true
		fields++
		opts := "," + options + ","
		own[jsonName] = classify(f.Type.Kind(), opts)
		visit(f.Type)
	}
}

// classify says what encoding/json does with a field of this kind and tag options.
func classify(kind reflect.Kind, opts string) string {
	if kind == reflect.Pointer {
		pointers++
		return "pointer" // omitted only when nil: false, 0, {} are kept
	}
	if strings.Contains(opts, ",omitzero,") {
		return "unhandled: omitzero"
	}
	var name string
	switch kind {
	case reflect.Bool:
		name = "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		name = "int"
	case reflect.Float32, reflect.Float64:
		name = "float"
	case reflect.String:
		name = "string"
	case reflect.Slice:
		name = "slice"
	case reflect.Map:
		name = "map"
	case reflect.Array:
		name = "array"
	case reflect.Struct:
		return "struct" // never omitted by omitempty
	default:
		if strings.Contains(opts, ",omitempty,") {
			return "unhandled: omitempty on a " + kind.String()
		}
		return "kept:" + kind.String()
	}
	if strings.Contains(opts, ",omitempty,") {
		omitted++
		return "omitempty:" + name
	}
	return "kept:" + name
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go-omitempty: "+format+"\n", args...)
	os.Exit(1)
}
