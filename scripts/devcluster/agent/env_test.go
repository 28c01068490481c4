package main

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

func TestContainerEnv(t *testing.T) {
	client := fake.NewClientset(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "ns"}, Data: map[string]string{"A": "from-cm", "B": "b"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sec", Namespace: "ns"}, Data: map[string][]byte{"PASS": []byte("s3cret")}},
	)
	cfg := defaultConfig()
	cfg.APIServerHost, cfg.APIServerPort = "127.0.0.1", 16443
	node := buildNode(mustComplete(t, cfg))
	p := &Provider{cfg: cfg, client: client, node: &node}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1", Labels: map[string]string{"app": "x"}},
		Spec:       corev1.PodSpec{NodeName: "kjo-node", ServiceAccountName: "sa"},
	}
	c := &corev1.Container{
		Name:      "main",
		Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}},
		EnvFrom:   []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}}, Prefix: "CM_"}},
		Env: []corev1.EnvVar{
			{Name: "A", Value: "plain"},
			{Name: "REF", Value: "$(A)-$(CM_B)-$(KUBERNETES_SERVICE_PORT)-$(NOPE)"},
			{Name: "PASS", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "sec"}, Key: "PASS"}}},
			{Name: "OPT", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "missing"}, Key: "k", Optional: ptr.To(true)}}},
			{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: "APP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['app']"}}},
			{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
			{Name: "MEM_MI", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}}},
			{Name: "CPUS", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.cpu"}}},
		},
	}
	env, err := p.containerEnv(context.Background(), pod, c)
	if err != nil {
		t.Fatal(err)
	}
	got := envToMap(env)
	want := map[string]string{
		"CM_A": "from-cm", "CM_B": "b", "A": "plain", "REF": "plain-b-16443-$(NOPE)", "PASS": "s3cret",
		"POD_NAME": "p", "APP": "x", "POD_IP": "127.0.0.1", "MEM_MI": "64", "CPUS": "8",
		"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "16443",
		"KUBERNETES_PORT": "tcp://127.0.0.1:16443",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["OPT"]; ok {
		t.Errorf("optional missing secret produced a variable")
	}
	if env[0].Name != "CM_A" || env[2].Name != "A" {
		t.Errorf("order not kept: %v", env[:3])
	}

	c.Env = append(c.Env, corev1.EnvVar{Name: "X", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "nokey"}}})
	if _, err := p.containerEnv(context.Background(), pod, c); err == nil || !strings.Contains(err.Error(), "couldn't find key nokey in ConfigMap ns/cm") {
		t.Errorf("missing key: %v", err)
	}
	c.Env = []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "gone"}, Key: "k"}}}}
	if _, err := p.containerEnv(context.Background(), pod, c); err == nil || !strings.Contains(err.Error(), `"gone" not found`) {
		t.Errorf("missing secret: %v", err)
	}
}

func mustComplete(t *testing.T, cfg *Config) *Config {
	t.Helper()
	cfg.Kubeconfig = "x"
	cfg.StateDir = t.TempDir()
	if err := cfg.complete(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestDownwardFormatMap(t *testing.T) {
	got := formatMap(map[string]string{"b": "2", "a": `q"uote`})
	if got != "a=\"q\\\"uote\"\nb=\"2\"" {
		t.Fatalf("got %q", got)
	}
}
