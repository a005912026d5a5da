//go:build tools

// Package tools pins k8s.io/kubernetes/cmd/kube-apiserver into this module's dependency graph
// so that `go mod tidy` keeps what `go build k8s.io/kubernetes/cmd/kube-apiserver` needs.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver/app"
