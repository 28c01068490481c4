package main

import (
	"context"
	"fmt"
	"os"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// defaultPath is the PATH of a container when neither it nor the agent has one.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// containerEnv resolves a container's environment like the kubelet:
// envFrom (configMaps, secrets, with prefixes), then env (values with $(VAR)
// expansion, valueFrom configMapKeyRef, secretKeyRef, fieldRef,
// resourceFieldRef), then the service variables not already set. The
// kubernetes service variables point at the real API server.
func (p *Provider) containerEnv(ctx context.Context, pod *corev1.Pod, c *corev1.Container) ([]corev1.EnvVar, error) {
	links := pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks
	svcEnv := p.serviceEnv(pod.Namespace, links)
	src := &objectSource{p: p, ctx: ctx, ns: pod.Namespace}
	tmp := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := tmp[k]; !ok {
			order = append(order, k)
		}
		tmp[k] = v
	}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			cm, err := src.configMap(ef.ConfigMapRef.Name)
			if err != nil {
				if apierrors.IsNotFound(err) && isTrue(ef.ConfigMapRef.Optional) {
					continue
				}
				return nil, err
			}
			for _, k := range sortedKeys(cm.Data) {
				set(ef.Prefix+k, cm.Data[k])
			}
		case ef.SecretRef != nil:
			s, err := src.secret(ef.SecretRef.Name)
			if err != nil {
				if apierrors.IsNotFound(err) && isTrue(ef.SecretRef.Optional) {
					continue
				}
				return nil, err
			}
			for _, k := range sortedKeys(s.Data) {
				set(ef.Prefix+k, string(s.Data[k]))
			}
		}
	}
	mapping := mappingFor(tmp, svcEnv)
	for _, e := range c.Env {
		val := e.Value
		switch {
		case val != "":
			val = expand(val, mapping)
		case e.ValueFrom != nil:
			v, ok, err := p.envValueFrom(src, pod, c, e.ValueFrom)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			val = v
		}
		set(e.Name, val)
	}
	out := make([]corev1.EnvVar, 0, len(order)+len(svcEnv))
	for _, k := range order {
		out = append(out, corev1.EnvVar{Name: k, Value: tmp[k]})
	}
	for _, k := range sortedKeys(svcEnv) {
		if _, ok := tmp[k]; !ok {
			out = append(out, corev1.EnvVar{Name: k, Value: svcEnv[k]})
		}
	}
	return out, nil
}

// envValueFrom resolves one valueFrom; ok is false for an optional source
// that is missing (the variable is then not set).
func (p *Provider) envValueFrom(src *objectSource, pod *corev1.Pod, c *corev1.Container, vf *corev1.EnvVarSource) (string, bool, error) {
	switch {
	case vf.FieldRef != nil:
		v, err := podFieldValue(pod, vf.FieldRef.FieldPath)
		return v, err == nil, err
	case vf.ResourceFieldRef != nil:
		v, err := resourceFieldValue(pod, c, vf.ResourceFieldRef, p.nodeAllocatable())
		return v, err == nil, err
	case vf.ConfigMapKeyRef != nil:
		ref := vf.ConfigMapKeyRef
		cm, err := src.configMap(ref.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && isTrue(ref.Optional) {
				return "", false, nil
			}
			return "", false, err
		}
		v, ok := cm.Data[ref.Key]
		if !ok {
			if isTrue(ref.Optional) {
				return "", false, nil
			}
			return "", false, fmt.Errorf("couldn't find key %s in ConfigMap %s/%s", ref.Key, pod.Namespace, ref.Name)
		}
		return v, true, nil
	case vf.SecretKeyRef != nil:
		ref := vf.SecretKeyRef
		s, err := src.secret(ref.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && isTrue(ref.Optional) {
				return "", false, nil
			}
			return "", false, err
		}
		v, ok := s.Data[ref.Key]
		if !ok {
			if isTrue(ref.Optional) {
				return "", false, nil
			}
			return "", false, fmt.Errorf("couldn't find key %s in Secret %s/%s", ref.Key, pod.Namespace, ref.Name)
		}
		return string(v), true, nil
	}
	return "", false, fmt.Errorf("unsupported env valueFrom in container %q (the kjo local cluster supports configMapKeyRef, secretKeyRef, fieldRef and resourceFieldRef)", c.Name)
}

// objectSource fetches (and remembers) the configMaps and secrets of one
// namespace straight from the API, so objects created just before the pod
// are always seen.
type objectSource struct {
	p          *Provider
	ctx        context.Context
	ns         string
	configMaps map[string]*corev1.ConfigMap
	secrets    map[string]*corev1.Secret
}

func (s *objectSource) configMap(name string) (*corev1.ConfigMap, error) {
	if cm, ok := s.configMaps[name]; ok {
		return cm, nil
	}
	cm, err := s.p.client.CoreV1().ConfigMaps(s.ns).Get(s.ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if s.configMaps == nil {
		s.configMaps = map[string]*corev1.ConfigMap{}
	}
	s.configMaps[name] = cm
	return cm, nil
}

func (s *objectSource) secret(name string) (*corev1.Secret, error) {
	if sec, ok := s.secrets[name]; ok {
		return sec, nil
	}
	sec, err := s.p.client.CoreV1().Secrets(s.ns).Get(s.ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if s.secrets == nil {
		s.secrets = map[string]*corev1.Secret{}
	}
	s.secrets[name] = sec
	return sec, nil
}

func (p *Provider) nodeAllocatable() corev1.ResourceList {
	if p.node == nil {
		return nil
	}
	return p.node.Status.Allocatable
}

// processEnv is the environment the command is exec'ed with: the container's
// variables plus PATH, HOME (the agent's, when the container sets none) and
// HOSTNAME.
func processEnv(pod *corev1.Pod, env []corev1.EnvVar) []string {
	have := map[string]bool{}
	out := make([]string, 0, len(env)+3)
	for _, e := range env {
		have[e.Name] = true
		out = append(out, e.Name+"="+e.Value)
	}
	add := func(k, v string) {
		if !have[k] && v != "" {
			out = append(out, k+"="+v)
		}
	}
	path := os.Getenv("PATH")
	if path == "" {
		path = defaultPath
	}
	add("PATH", path)
	add("HOME", os.Getenv("HOME"))
	hostname := pod.Spec.Hostname
	if hostname == "" {
		hostname = pod.Name
	}
	add("HOSTNAME", hostname)
	return out
}

func isTrue(b *bool) bool { return b != nil && *b }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
