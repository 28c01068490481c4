package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// failingRegistryHost is the registry whose images never pull, so tests can
// exercise ErrImagePull and ImagePullBackOff.
const failingRegistryHost = "kjo.invalid"

// errImagePullHold is how long ErrImagePull is reported before the
// ImagePullBackOff period starts.
const errImagePullHold = 2 * time.Second

// registryHost returns the registry host of an image reference, or "" for
// an image on the default registry.
func registryHost(image string) string {
	i := strings.IndexByte(image, '/')
	if i < 0 {
		return ""
	}
	h := image[:i]
	if strings.ContainsAny(h, ".:") || h == "localhost" {
		return h
	}
	return ""
}

// repository strips the tag and digest from an image reference.
func repository(image string) string {
	if i := strings.IndexByte(image, '@'); i >= 0 {
		image = image[:i]
	}
	if c := strings.LastIndexByte(image, ':'); c > strings.LastIndexByte(image, '/') {
		image = image[:c]
	}
	return image
}

// imageID is the (made-up, stable) image ID reported for an image.
func imageID(image string) string {
	sum := sha256.Sum256([]byte(image))
	return repository(image) + "@sha256:" + hex.EncodeToString(sum[:])
}

// pullError is the error a pull from the failing registry reports.
func pullError(image string) string {
	return fmt.Sprintf("failed to pull and unpack image %q: failed to resolve reference %q: "+
		"dial tcp: lookup %s: no such host (the kjo local cluster never pulls images from %s)",
		image, image, failingRegistryHost, failingRegistryHost)
}

// ensureImage "pulls" c's image: images are never pulled, except that those
// from the failing registry fail like a kubelet's pull would (ErrImagePull,
// then ImagePullBackOff, retried with back-off) until the pod is terminated.
func (r *podRunner) ensureImage(c *ctr, b *backoff) bool {
	for {
		if r.ctx.Err() != nil {
			return false
		}
		image := imageOf(r.podCopy(), c)
		if registryHost(image) != failingRegistryHost {
			if c.spec.ImagePullPolicy == corev1.PullAlways {
				r.event(c, corev1.EventTypeNormal, "Pulling", fmt.Sprintf("Pulling image %q", image))
				r.event(c, corev1.EventTypeNormal, "Pulled", fmt.Sprintf("Successfully pulled image %q in 0s (0s including waiting). Image size: 0 bytes.", image))
			} else {
				r.event(c, corev1.EventTypeNormal, "Pulled", fmt.Sprintf("Container image %q already present on machine", image))
			}
			return true
		}
		if c.spec.ImagePullPolicy == corev1.PullNever {
			msg := fmt.Sprintf("Container image %q is not present with pull policy of Never", image)
			r.event(c, corev1.EventTypeWarning, "ErrImageNeverPull", msg)
			r.setWaiting(c, "ErrImageNeverPull", msg)
			if !r.sleep(b.next()) {
				return false
			}
			continue
		}
		msg := pullError(image)
		r.event(c, corev1.EventTypeNormal, "Pulling", fmt.Sprintf("Pulling image %q", image))
		r.event(c, corev1.EventTypeWarning, "Failed", fmt.Sprintf("Failed to pull image %q: %s", image, msg))
		r.event(c, corev1.EventTypeWarning, "Failed", "Error: ErrImagePull")
		r.setWaiting(c, "ErrImagePull", msg)
		if !r.sleep(errImagePullHold) {
			return false
		}
		r.event(c, corev1.EventTypeNormal, "BackOff", fmt.Sprintf("Back-off pulling image %q", image))
		r.event(c, corev1.EventTypeWarning, "Failed", "Error: ImagePullBackOff")
		r.setWaiting(c, "ImagePullBackOff", fmt.Sprintf("Back-off pulling image %q: ErrImagePull: %s", image, msg))
		if !r.sleep(b.next()) {
			return false
		}
	}
}
