package main

import (
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestBuildMounts(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	secret := filepath.Join(root, "secret")
	for _, d := range []string{data, secret} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(secret, "token"), []byte("t"), 0o600); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{Spec: corev1.PodSpec{Volumes: []corev1.Volume{
		{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "secret", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s"}}},
	}}}
	c := &corev1.Container{Name: "c", VolumeMounts: []corev1.VolumeMount{
		{Name: "data", MountPath: "/work/data/sub", SubPathExpr: "$(POD)"},
		{Name: "data", MountPath: "/work/data/"},
		{Name: "secret", MountPath: "/etc/tok", SubPath: "token"},
		{Name: "data", MountPath: "/ro", ReadOnly: true},
	}}
	dirs := map[string]string{"data": data, "secret": secret}
	got, err := buildMounts(pod, c, dirs, map[string]string{"POD": "p1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []mountSpec{
		{Source: data, Target: "/ro", ReadOnly: true},
		{Source: secret + "/token", Target: "/etc/tok", ReadOnly: true, File: true},
		{Source: data, Target: "/work/data"},
		{Source: data + "/p1", Target: "/work/data/sub", Nested: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mount %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if fi, err := os.Stat(filepath.Join(data, "p1")); err != nil || !fi.IsDir() {
		t.Errorf("subPath directory not created: %v", err)
	}

	bad := &corev1.Container{Name: "c", VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/x", SubPath: "../etc"}}}
	if _, err := buildMounts(pod, bad, dirs, nil); err == nil {
		t.Error("subPath escaping the volume was accepted")
	}
	missing := &corev1.Container{Name: "c", VolumeMounts: []corev1.VolumeMount{{Name: "nope", MountPath: "/x"}}}
	if _, err := buildMounts(pod, missing, dirs, nil); err == nil {
		t.Error("unknown volume was accepted")
	}
}

func TestMountRegistry(t *testing.T) {
	root := t.TempDir()
	existing := filepath.Join(root, "existing")
	if err := os.Mkdir(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	reg := newMountRegistry(filepath.Join(root, "state", "mountpoints.json"))
	a, b := types.UID("a"), types.UID("b")
	dirTarget := filepath.Join(existing, "x", "y")
	fileTarget := filepath.Join(root, "f", "file")
	if err := reg.acquire(a, []mountSpec{{Target: dirTarget}, {Target: fileTarget, File: true}, {Target: filepath.Join(dirTarget, "nested"), Nested: true}}); err != nil {
		t.Fatal(err)
	}
	if err := reg.acquire(b, []mountSpec{{Target: dirTarget}}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(fileTarget); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("file mount point: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dirTarget, "nested")); !os.IsNotExist(err) {
		t.Fatalf("nested mount point created on the host")
	}
	reg.release(a)
	if _, err := os.Stat(dirTarget); err != nil {
		t.Fatalf("mount point still used by b was removed")
	}
	if _, err := os.Stat(filepath.Join(root, "f")); !os.IsNotExist(err) {
		t.Fatalf("unused mount point left behind")
	}
	// A crash: a new registry removes what the old one recorded.
	reg2 := newMountRegistry(filepath.Join(root, "state", "mountpoints.json"))
	reg2.recover()
	if _, err := os.Stat(filepath.Join(existing, "x")); !os.IsNotExist(err) {
		t.Fatalf("leftover mount point not recovered")
	}
	if _, err := os.Stat(existing); err != nil {
		t.Fatalf("pre-existing directory removed")
	}
}
