package main

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// serviceEnv returns the service variables of a pod in namespace ns, like
// the kubelet's (the namespace's services when links are enabled), except
// that the kubernetes service always points at the real API server address
// (--apiserver-host/--apiserver-port), which pods can reach, instead of its
// ClusterIP, which nothing routes here.
func (p *Provider) serviceEnv(ns string, links bool) map[string]string {
	m := map[string]string{}
	if links && p.services != nil {
		svcs, _ := p.services.Services(ns).List(labels.Everything())
		for _, svc := range svcs {
			if ns == "default" && svc.Name == "kubernetes" {
				continue
			}
			ip := svc.Spec.ClusterIP
			if ip == "" || ip == corev1.ClusterIPNone || len(svc.Spec.Ports) == 0 {
				continue
			}
			addServiceVars(m, svc.Name, ip, svc.Spec.Ports)
		}
	}
	addServiceVars(m, "kubernetes", p.cfg.APIServerHost, []corev1.ServicePort{
		{Name: "https", Port: int32(p.cfg.APIServerPort), Protocol: corev1.ProtocolTCP},
	})
	return m
}

// addServiceVars adds the {SVC}_SERVICE_HOST/PORT and docker-link variables
// of one service.
func addServiceVars(m map[string]string, name, ip string, ports []corev1.ServicePort) {
	prefix := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	m[prefix+"_SERVICE_HOST"] = ip
	m[prefix+"_SERVICE_PORT"] = strconv.Itoa(int(ports[0].Port))
	for _, sp := range ports {
		if sp.Name != "" {
			m[prefix+"_SERVICE_PORT_"+strings.ToUpper(strings.ReplaceAll(sp.Name, "-", "_"))] = strconv.Itoa(int(sp.Port))
		}
	}
	for i, sp := range ports {
		proto := string(sp.Protocol)
		if proto == "" {
			proto = string(corev1.ProtocolTCP)
		}
		lower := strings.ToLower(proto)
		url := fmt.Sprintf("%s://%s:%d", lower, ip, sp.Port)
		if i == 0 {
			m[prefix+"_PORT"] = url
		}
		pp := fmt.Sprintf("%s_PORT_%d_%s", prefix, sp.Port, strings.ToUpper(proto))
		m[pp] = url
		m[pp+"_PROTO"] = lower
		m[pp+"_PORT"] = strconv.Itoa(int(sp.Port))
		m[pp+"_ADDR"] = ip
	}
}
