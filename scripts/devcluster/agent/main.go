// Command kjo-node-agent is the node agent of kjo's local Kubernetes cluster.
//
// It registers one Node with the API server (through virtual-kubelet), keeps
// its Lease, and runs every container of every pod bound to it as a host
// process in a private mount namespace where the pod's volumes appear at their
// mount paths. No image is pulled: each container must have an explicit
// command. Container output is kept as CRI log files and served through the
// kubelet API, so `kubectl logs -f` works through the API server.
//
// `kjo-node-agent run-container --spec FILE` is the internal helper the agent
// re-executes for each container (see helper.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/klog/v2"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == helperCommand {
		os.Exit(runHelper(os.Args[2:]))
	}

	cfg := defaultConfig()
	fs := flag.NewFlagSet("kjo-node-agent", flag.ExitOnError)
	klog.InitFlags(fs)
	cfg.bindFlags(fs)
	_ = fs.Parse(os.Args[1:])
	if err := cfg.complete(); err != nil {
		fmt.Fprintf(os.Stderr, "kjo-node-agent: %v\n", err)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	if err := runAgent(ctx, cfg); err != nil {
		klog.ErrorS(err, "agent failed")
		klog.Flush()
		os.Exit(1)
	}
	klog.Flush()
}
