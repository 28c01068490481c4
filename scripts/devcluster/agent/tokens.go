package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
)

// requestToken gets a service account token bound to the pod from the
// TokenRequest API.
func (p *Provider) requestToken(ctx context.Context, pod *corev1.Pod, audience string, expiration int64) (string, error) {
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: &expiration,
		BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}
	if audience != "" {
		tr.Spec.Audiences = []string{audience}
	}
	res, err := p.client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, tr, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	return res.Status.Token, nil
}

// refreshTokens rewrites the pod's projected tokens at 80% of their lifetime
// until ctx ends, as the kubelet does.
func (p *Provider) refreshTokens(ctx context.Context, pod *corev1.Pod, tokens []tokenFile) {
	for {
		shortest := tokens[0].expiration
		for _, t := range tokens {
			shortest = min(shortest, t.expiration)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(shortest) * time.Second * 8 / 10):
		}
		for _, t := range tokens {
			tok, err := p.requestToken(ctx, pod, t.audience, t.expiration)
			if err != nil {
				klog.ErrorS(err, "Refreshing service account token", "pod", klog.KObj(pod))
				continue
			}
			fi, err := os.Stat(t.path)
			if err != nil {
				continue
			}
			f := volFile{path: filepath.Base(t.path), data: []byte(tok), mode: fi.Mode().Perm()}
			if err := writeVolumeFile(filepath.Dir(t.path), f); err != nil {
				klog.ErrorS(err, "Writing service account token", "pod", klog.KObj(pod))
			}
		}
	}
}
