package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// volFile is one file of a secret, configMap, downwardAPI or projected volume.
type volFile struct {
	path string
	data []byte
	mode os.FileMode
}

// tokenFile is a projected service account token to keep fresh.
type tokenFile struct {
	path       string
	audience   string
	expiration int64
}

const defaultVolumeFileMode = 0o644

// setupVolumes materializes the pod's volumes and returns, per volume name,
// the host directory (or file) its mounts bind from, plus the token files
// to refresh. Errors read like the kubelet's FailedMount messages.
func (p *Provider) setupVolumes(ctx context.Context, pod *corev1.Pod, podDir string) (map[string]string, []tokenFile, error) {
	dirs := map[string]string{}
	var tokens []tokenFile
	src := &objectSource{p: p, ctx: ctx, ns: pod.Namespace}
	for _, v := range pod.Spec.Volumes {
		dir := filepath.Join(podDir, "volumes", v.Name)
		var files []volFile
		var err error
		switch {
		case v.EmptyDir != nil:
			if err := os.MkdirAll(dir, 0o777); err != nil {
				return nil, nil, err
			}
			_ = os.Chmod(dir, 0o777)
			dirs[v.Name] = dir
			continue
		case v.HostPath != nil:
			path, err := prepareHostPath(v.HostPath)
			if err != nil {
				return nil, nil, mountError(v.Name, err)
			}
			dirs[v.Name] = path
			continue
		case v.Secret != nil:
			files, err = secretFiles(src, v.Secret.SecretName, v.Secret.Items, v.Secret.Optional, modeOr(v.Secret.DefaultMode))
		case v.ConfigMap != nil:
			files, err = configMapFiles(src, v.ConfigMap.Name, v.ConfigMap.Items, v.ConfigMap.Optional, modeOr(v.ConfigMap.DefaultMode))
		case v.DownwardAPI != nil:
			files, err = downwardFiles(pod, v.DownwardAPI.Items, modeOr(v.DownwardAPI.DefaultMode), p.nodeAllocatable())
		case v.Projected != nil:
			var toks []tokenFile
			files, toks, err = p.projectedFiles(ctx, src, pod, v.Projected)
			for _, t := range toks {
				t.path = filepath.Join(dir, t.path)
				tokens = append(tokens, t)
			}
		default:
			err = fmt.Errorf("volume type not supported by the kjo local cluster (supported: emptyDir, hostPath, secret, configMap, downwardAPI, projected)")
		}
		if err != nil {
			return nil, nil, mountError(v.Name, err)
		}
		if err := writeVolume(dir, files); err != nil {
			return nil, nil, mountError(v.Name, err)
		}
		dirs[v.Name] = dir
	}
	return dirs, tokens, nil
}

func mountError(volume string, err error) error {
	return fmt.Errorf("MountVolume.SetUp failed for volume %q : %w", volume, err)
}

func modeOr(m *int32) os.FileMode {
	if m == nil {
		return defaultVolumeFileMode
	}
	return os.FileMode(*m)
}

func itemMode(m *int32, def os.FileMode) os.FileMode {
	if m != nil {
		return os.FileMode(*m)
	}
	return def
}

// keyFiles projects the keys of a secret or configMap into files: all keys,
// or the listed items.
func keyFiles(data map[string][]byte, items []corev1.KeyToPath, optional bool, mode os.FileMode, what string) ([]volFile, error) {
	var files []volFile
	if len(items) == 0 {
		for _, k := range sortedKeys(data) {
			files = append(files, volFile{path: k, data: data[k], mode: mode})
		}
		return files, nil
	}
	for _, it := range items {
		d, ok := data[it.Key]
		if !ok {
			if optional {
				continue
			}
			return nil, fmt.Errorf("%s references non-existent key: %s", what, it.Key)
		}
		files = append(files, volFile{path: it.Path, data: d, mode: itemMode(it.Mode, mode)})
	}
	return files, nil
}

func secretFiles(src *objectSource, name string, items []corev1.KeyToPath, optional *bool, mode os.FileMode) ([]volFile, error) {
	s, err := src.secret(name)
	if err != nil {
		if apierrors.IsNotFound(err) && isTrue(optional) {
			return nil, nil
		}
		return nil, err
	}
	return keyFiles(s.Data, items, isTrue(optional), mode, "secret "+name)
}

func configMapFiles(src *objectSource, name string, items []corev1.KeyToPath, optional *bool, mode os.FileMode) ([]volFile, error) {
	cm, err := src.configMap(name)
	if err != nil {
		if apierrors.IsNotFound(err) && isTrue(optional) {
			return nil, nil
		}
		return nil, err
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return keyFiles(data, items, isTrue(optional), mode, "configmap "+name)
}

func downwardFiles(pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile, mode os.FileMode, alloc corev1.ResourceList) ([]volFile, error) {
	var files []volFile
	for _, it := range items {
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			v, err = podFieldValue(pod, it.FieldRef.FieldPath)
		case it.ResourceFieldRef != nil:
			v, err = resourceFieldValue(pod, nil, it.ResourceFieldRef, alloc)
		default:
			err = fmt.Errorf("downwardAPI item %q has no source", it.Path)
		}
		if err != nil {
			return nil, err
		}
		files = append(files, volFile{path: it.Path, data: []byte(v), mode: itemMode(it.Mode, mode)})
	}
	return files, nil
}

// projectedFiles gathers the sources of a projected volume; service account
// tokens come from the TokenRequest API, bound to the pod.
func (p *Provider) projectedFiles(ctx context.Context, src *objectSource, pod *corev1.Pod, pv *corev1.ProjectedVolumeSource) ([]volFile, []tokenFile, error) {
	mode := modeOr(pv.DefaultMode)
	var files []volFile
	var tokens []tokenFile
	for _, s := range pv.Sources {
		var fs []volFile
		var err error
		switch {
		case s.Secret != nil:
			fs, err = secretFiles(src, s.Secret.Name, s.Secret.Items, s.Secret.Optional, mode)
		case s.ConfigMap != nil:
			fs, err = configMapFiles(src, s.ConfigMap.Name, s.ConfigMap.Items, s.ConfigMap.Optional, mode)
		case s.DownwardAPI != nil:
			fs, err = downwardFiles(pod, s.DownwardAPI.Items, mode, p.nodeAllocatable())
		case s.ServiceAccountToken != nil:
			t := tokenFile{path: s.ServiceAccountToken.Path, audience: s.ServiceAccountToken.Audience, expiration: 3600}
			if e := s.ServiceAccountToken.ExpirationSeconds; e != nil {
				t.expiration = *e
			}
			var tok string
			tok, err = p.requestToken(ctx, pod, t.audience, t.expiration)
			fs = []volFile{{path: t.path, data: []byte(tok), mode: tokenMode(pv.DefaultMode)}}
			tokens = append(tokens, t)
		default:
			err = fmt.Errorf("projected volume source not supported by the kjo local cluster")
		}
		if err != nil {
			return nil, nil, err
		}
		files = append(files, fs...)
	}
	return files, tokens, nil
}

func tokenMode(m *int32) os.FileMode {
	if m == nil {
		return 0o600
	}
	return os.FileMode(*m)
}

// writeVolume (re)writes a volume directory with exactly the given files.
func writeVolume(dir string, files []volFile) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := writeVolumeFile(dir, f); err != nil {
			return err
		}
	}
	return nil
}

// writeVolumeFile writes one file atomically (temp file and rename), so a
// refresh is never seen half-written.
func writeVolumeFile(dir string, f volFile) error {
	rel := filepath.Clean(f.path)
	if filepath.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("invalid volume file path %q", f.path)
	}
	path := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err := os.WriteFile(tmp, f.data, f.mode.Perm()); err != nil {
		return err
	}
	if err := os.Chmod(tmp, f.mode.Perm()); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// prepareHostPath checks (or creates) a hostPath volume's path per its type.
func prepareHostPath(hp *corev1.HostPathVolumeSource) (string, error) {
	path := hp.Path
	t := corev1.HostPathUnset
	if hp.Type != nil {
		t = *hp.Type
	}
	fi, statErr := os.Stat(path)
	switch t {
	case corev1.HostPathDirectoryOrCreate:
		if statErr != nil {
			return path, os.MkdirAll(path, 0o755)
		}
		if !fi.IsDir() {
			return "", fmt.Errorf("hostPath type check failed: %s is not a directory", path)
		}
	case corev1.HostPathFileOrCreate:
		if statErr != nil {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return "", err
			}
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return "", err
			}
			return path, f.Close()
		}
		if fi.IsDir() {
			return "", fmt.Errorf("hostPath type check failed: %s is not a file", path)
		}
	case corev1.HostPathDirectory:
		if statErr != nil || !fi.IsDir() {
			return "", fmt.Errorf("hostPath type check failed: %s is not a directory", path)
		}
	case corev1.HostPathFile:
		if statErr != nil || !fi.Mode().IsRegular() {
			return "", fmt.Errorf("hostPath type check failed: %s is not a file", path)
		}
	case corev1.HostPathSocket:
		if statErr != nil || fi.Mode()&os.ModeSocket == 0 {
			return "", fmt.Errorf("hostPath type check failed: %s is not a socket file", path)
		}
	case corev1.HostPathCharDev:
		if statErr != nil || fi.Mode()&os.ModeCharDevice == 0 {
			return "", fmt.Errorf("hostPath type check failed: %s is not a character device", path)
		}
	case corev1.HostPathBlockDev:
		if statErr != nil || fi.Mode()&os.ModeDevice == 0 || fi.Mode()&os.ModeCharDevice != 0 {
			return "", fmt.Errorf("hostPath type check failed: %s is not a block device", path)
		}
	default:
		if statErr != nil {
			// Like an unchecked bind mount of a missing path: create a directory.
			return path, os.MkdirAll(path, 0o755)
		}
	}
	return path, nil
}
