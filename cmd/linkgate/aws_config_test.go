package main

import (
	"io"
	"strings"
	"testing"
)

// LINKGATE_AWS_ACCESS_KEY_ID, _SECRET_ACCESS_KEY and _ACCOUNT_ID are
// linkgate's own AWS identity for assuming clients' Route 53 roles: all
// three or none, checked at start-up; the Route 53 form then names the
// account a role must trust.
func TestAWSAssumeRoleSetting(t *testing.T) {
	t.Parallel()
	load := func(env map[string]string) (Config, error) {
		m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
		c, _, err := m.loadConfig("serve", nil)
		return c, err
	}
	if c, err := load(nil); err != nil || c.AWSAssumeRole != nil {
		t.Errorf("unset: %+v, %v", c.AWSAssumeRole, err)
	}
	good := map[string]string{"LINKGATE_AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "LINKGATE_AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"LINKGATE_AWS_ACCOUNT_ID": " 123456789012 "}
	c, err := load(good)
	if err != nil || c.AWSAssumeRole == nil || c.AWSAssumeRole.AccountID != "123456789012" {
		t.Fatalf("set: %+v, %v", c.AWSAssumeRole, err)
	}
	hosts := liveDNSHosts(c)
	h, _ := hosts.Get("route53")
	var help string
	for _, f := range h.Fields {
		if f.Name == "role_arn" {
			help = f.Help
		}
	}
	if !strings.Contains(help, "123456789012") {
		t.Errorf("the role's help does not name linkgate's account: %q", help)
	}
	for _, drop := range []string{"LINKGATE_AWS_ACCESS_KEY_ID", "LINKGATE_AWS_SECRET_ACCESS_KEY", "LINKGATE_AWS_ACCOUNT_ID"} {
		env := map[string]string{}
		for k, v := range good {
			if k != drop {
				env[k] = v
			}
		}
		_, err := load(env)
		if err == nil || !strings.Contains(err.Error(), "LINKGATE_AWS_") || strings.Contains(err.Error(), good["LINKGATE_AWS_SECRET_ACCESS_KEY"]) {
			t.Errorf("without %s: %v", drop, err)
		}
	}
}

// Route 53's fake API and its STS are vendor APIs in the sandbox: they
// authenticate with Signature Version 4, which an admin credential cannot
// ride along with.
func TestRoute53SandboxIsVendorAPI(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]bool{"/_sandbox/route53/2013-04-01/hostedzonecount": true, "/_sandbox/route53/sts": true,
		"/_sandbox/route53/zones": false, "/_sandbox/faults": false} {
		if got := isVendorAPI(path); got != want {
			t.Errorf("isVendorAPI(%s) = %v", path, got)
		}
	}
}
