//go:build tools

// Package tools keeps go.etcd.io/etcd/server/v3 (a main package) in this module's graph so
// that `go mod tidy` records everything `go build go.etcd.io/etcd/server/v3` needs.
package tools

import _ "go.etcd.io/etcd/server/v3/etcdmain"
