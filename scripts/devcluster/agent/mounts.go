package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// mountSpec is one bind mount the run-container helper makes in the
// container's private mount namespace.
type mountSpec struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly,omitempty"`
	// File says the source is a file, so the mount point must be one.
	File bool `json:"file,omitempty"`
	// Nested says the target lies under another mount of the container: the
	// helper creates it (inside that volume) after mounting the parent. The
	// other mount points are created on the host by the agent.
	Nested bool `json:"nested,omitempty"`
}

// alwaysReadOnly tells whether the kubelet mounts a volume read-only
// whatever the volumeMount says.
func alwaysReadOnly(v *corev1.Volume) bool {
	return v.Secret != nil || v.ConfigMap != nil || v.DownwardAPI != nil || v.Projected != nil
}

// buildMounts turns a container's volumeMounts into bind mounts (sorted so
// that parents come first), resolving subPath and subPathExpr (expanded
// with the container's environment).
func buildMounts(pod *corev1.Pod, c *corev1.Container, volDirs map[string]string, env map[string]string) ([]mountSpec, error) {
	vols := map[string]*corev1.Volume{}
	for i := range pod.Spec.Volumes {
		vols[pod.Spec.Volumes[i].Name] = &pod.Spec.Volumes[i]
	}
	var out []mountSpec
	seen := map[string]bool{}
	for _, vm := range c.VolumeMounts {
		v, ok := vols[vm.Name]
		dir, ok2 := volDirs[vm.Name]
		if !ok || !ok2 {
			return nil, fmt.Errorf("cannot find volume %q to mount into container %q", vm.Name, c.Name)
		}
		target := filepath.Clean("/" + vm.MountPath)
		if target == "/" {
			return nil, fmt.Errorf("volumeMount %q: mounting over / is not supported by the kjo local cluster", vm.Name)
		}
		if seen[target] {
			return nil, fmt.Errorf("volumeMount %q: duplicate mount path %s", vm.Name, target)
		}
		seen[target] = true
		sub := vm.SubPath
		if vm.SubPathExpr != "" {
			sub = expand(vm.SubPathExpr, mappingFor(env))
		}
		source := dir
		if sub != "" {
			clean := filepath.Clean(sub)
			if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
				return nil, fmt.Errorf("volumeMount %q: invalid subPath %q", vm.Name, sub)
			}
			source = filepath.Join(dir, clean)
			if _, err := os.Lstat(source); os.IsNotExist(err) {
				if err := os.MkdirAll(source, 0o755); err != nil {
					return nil, fmt.Errorf("volumeMount %q: creating subPath: %w", vm.Name, err)
				}
			}
		}
		fi, err := os.Stat(source)
		if err != nil {
			return nil, fmt.Errorf("volumeMount %q: %w", vm.Name, err)
		}
		out = append(out, mountSpec{
			Source:   source,
			Target:   target,
			ReadOnly: vm.ReadOnly || alwaysReadOnly(v),
			File:     !fi.IsDir(),
		})
	}
	for i := range out {
		for j := range out {
			if i != j && isUnder(out[i].Target, out[j].Target) {
				out[i].Nested = true
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if di, dj := depth(out[i].Target), depth(out[j].Target); di != dj {
			return di < dj
		}
		return out[i].Target < out[j].Target
	})
	return out, nil
}

// isUnder tells whether path lies strictly below dir.
func isUnder(path, dir string) bool {
	return strings.HasPrefix(path, strings.TrimSuffix(dir, "/")+"/")
}

func depth(path string) int { return strings.Count(filepath.Clean(path), "/") }
