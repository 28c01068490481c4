package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Config holds the agent's command-line settings.
type Config struct {
	Kubeconfig    string
	NodeName      string
	Listen        string
	TLSCert       string
	TLSKey        string
	ClientCA      string
	StateDir      string
	APIServerHost string
	APIServerPort int
	CPU           string
	Memory        string
	Pods          int
	Taints        string

	// Derived by complete.
	listenPort int32
	taints     []corev1.Taint
	cpu        resource.Quantity
	memory     resource.Quantity
}

func defaultConfig() *Config {
	return &Config{
		NodeName:      "kjo-node",
		Listen:        "127.0.0.1:10250",
		StateDir:      ".devcluster/agent",
		APIServerHost: "127.0.0.1",
		APIServerPort: 6443,
		CPU:           "8",
		Memory:        "16Gi",
		Pods:          110,
	}
}

func (c *Config) bindFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Kubeconfig, "kubeconfig", c.Kubeconfig, "kubeconfig with the agent's credentials (required)")
	fs.StringVar(&c.NodeName, "node-name", c.NodeName, "name of the Node to register")
	fs.StringVar(&c.Listen, "listen", c.Listen, "host:port of the kubelet HTTPS API (containerLogs); the port is published as the node's kubelet endpoint")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "serving certificate (PEM) of the kubelet API; without it the API is not served")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "serving key (PEM) of the kubelet API")
	fs.StringVar(&c.ClientCA, "client-ca", c.ClientCA, "optional CA (PEM); when set, kubelet API clients must present a certificate signed by it")
	fs.StringVar(&c.StateDir, "state-dir", c.StateDir, "directory for pod volumes, working dirs, CRI log files and the pids file")
	fs.StringVar(&c.APIServerHost, "apiserver-host", c.APIServerHost, "API server address given to containers as KUBERNETES_SERVICE_HOST")
	fs.IntVar(&c.APIServerPort, "apiserver-port", c.APIServerPort, "API server port given to containers as KUBERNETES_SERVICE_PORT")
	fs.StringVar(&c.CPU, "cpu", c.CPU, "node cpu capacity")
	fs.StringVar(&c.Memory, "memory", c.Memory, "node memory capacity")
	fs.IntVar(&c.Pods, "pods", c.Pods, "node pod capacity")
	fs.StringVar(&c.Taints, "register-with-taints", c.Taints, "taints (key=value:Effect, comma-separated) the node is registered with")
}

// complete validates the settings and fills the derived fields.
func (c *Config) complete() error {
	if c.Kubeconfig == "" {
		return errors.New("--kubeconfig is required")
	}
	if c.NodeName == "" {
		return errors.New("--node-name must not be empty")
	}
	_, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	p, err := strconv.ParseInt(port, 10, 32)
	if err != nil || p <= 0 {
		return fmt.Errorf("--listen: bad port %q", port)
	}
	c.listenPort = int32(p)
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if c.cpu, err = resource.ParseQuantity(c.CPU); err != nil {
		return fmt.Errorf("--cpu: %w", err)
	}
	if c.memory, err = resource.ParseQuantity(c.Memory); err != nil {
		return fmt.Errorf("--memory: %w", err)
	}
	if c.taints, err = parseTaints(c.Taints); err != nil {
		return fmt.Errorf("--register-with-taints: %w", err)
	}
	if c.Pods <= 0 {
		return errors.New("--pods must be positive")
	}
	if c.StateDir, err = filepath.Abs(c.StateDir); err != nil {
		return err
	}
	return os.MkdirAll(c.StateDir, 0o755)
}

// parseTaints parses "key=value:Effect,key:Effect".
func parseTaints(s string) ([]corev1.Taint, error) {
	var out []corev1.Taint
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		kv, effect, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("taint %q has no effect", part)
		}
		e := corev1.TaintEffect(effect)
		if e != corev1.TaintEffectNoSchedule && e != corev1.TaintEffectPreferNoSchedule && e != corev1.TaintEffectNoExecute {
			return nil, fmt.Errorf("taint %q: unknown effect %q", part, effect)
		}
		k, v, _ := strings.Cut(kv, "=")
		out = append(out, corev1.Taint{Key: k, Value: v, Effect: e})
	}
	return out, nil
}
