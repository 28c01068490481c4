package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/log"
	"github.com/virtual-kubelet/virtual-kubelet/log/klogv2"
	"github.com/virtual-kubelet/virtual-kubelet/node"
	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
)

// runAgent registers the node, runs the pod controller and the kubelet API
// until ctx ends, then stops every container.
func runAgent(ctx context.Context, cfg *Config) error {
	log.L = klogv2.New(nil)
	restCfg, err := clientcmd.BuildConfigFromFlags("", cfg.Kubeconfig)
	if err != nil {
		return fmt.Errorf("loading kubeconfig: %w", err)
	}
	restCfg.QPS, restCfg.Burst = 50, 100
	restCfg.UserAgent = "kjo-node-agent/" + cfg.NodeName
	client, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		return err
	}

	eb := record.NewBroadcaster()
	eb.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	defer eb.Shutdown()
	recorder := eb.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelet", Host: cfg.NodeName})

	// virtual-kubelet builds a default client from $KUBECONFIG before using
	// ours; point it at the same file so it does not warn about in-cluster
	// configuration.
	_ = os.Setenv("KUBECONFIG", cfg.Kubeconfig)
	nodeSpec := buildNode(cfg)
	mux := http.NewServeMux()
	var prov *Provider
	opts := []nodeutil.NodeOpt{
		nodeutil.WithClient(client),
		func(nc *nodeutil.NodeConfig) error {
			nc.NodeSpec = nodeSpec
			nc.HTTPListenAddr = cfg.Listen
			nc.Handler = kubeletErrors(mux)
			// virtual-kubelet's own events (ProviderCreateSuccess, ...) are
			// noise next to the kubelet-style events the provider records.
			nc.EventRecorder = &record.FakeRecorder{}
			// The provider resolves env itself, at each container start.
			nc.SkipDownwardAPIResolution = true
			nc.NumWorkers = 4
			nc.InformerResyncPeriod = time.Minute
			nc.NodeStatusUpdateErrorHandler = recreateNode(client, cfg)
			return nil
		},
		nodeutil.AttachProviderRoutes(mux),
	}
	if cfg.TLSCert != "" {
		tlsOpts := []func(*tls.Config) error{nodeutil.WithKeyPairFromPath(cfg.TLSCert, cfg.TLSKey)}
		if cfg.ClientCA != "" {
			tlsOpts = append(tlsOpts, nodeutil.WithCAFromPath(cfg.ClientCA))
		}
		opts = append(opts, nodeutil.WithTLSConfig(tlsOpts...))
	} else {
		klog.InfoS("No --tls-cert: the kubelet API (container logs) is not served")
	}

	n, err := nodeutil.NewNode(cfg.NodeName, func(pc nodeutil.ProviderConfig) (nodeutil.Provider, node.NodeProvider, error) {
		p, err := newProvider(cfg, providerDeps{
			client:   client,
			pods:     pc.Pods,
			services: pc.Services,
			recorder: recorder,
			node:     pc.Node,
		})
		prov = p
		return p, nil, err
	}, opts...)
	if err != nil {
		return err
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go prov.run(runCtx)
	errCh := make(chan error, 1)
	go func() { errCh <- n.Run(runCtx) }()

	select {
	case <-n.Ready():
		klog.InfoS("Node is registered and ready", "node", cfg.NodeName, "kubeletAPI", cfg.Listen)
		err = <-errCh
	case err = <-errCh:
	}
	cancel()
	prov.shutdown()
	if ctx.Err() != nil {
		klog.InfoS("Agent stopped", "node", cfg.NodeName)
		return nil
	}
	return err
}

// recreateNode re-registers the node if its object was deleted.
func recreateNode(client kubernetes.Interface, cfg *Config) node.ErrorHandler {
	return func(ctx context.Context, err error) error {
		if !apierrors.IsNotFound(err) {
			return err
		}
		n := buildNode(cfg)
		_, cerr := client.CoreV1().Nodes().Create(ctx, &n, metav1.CreateOptions{})
		if cerr != nil && !apierrors.IsAlreadyExists(cerr) {
			return cerr
		}
		klog.InfoS("Re-registered deleted node", "node", cfg.NodeName)
		return nil
	}
}
