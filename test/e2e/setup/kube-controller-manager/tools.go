//go:build tools

// Package tools pins k8s.io/kubernetes/cmd/kube-controller-manager into this module's
// dependency graph so that `go mod tidy` keeps what its `go build` needs. go.mod is a link to
// kube-apiserver's: both binaries come from the one pinned k8s.io/kubernetes release.
package tools

import _ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
