package main

import (
	"context"
	"fmt"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/console"
	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/dnscheck"
)

// consoleSandbox gives the console's sandbox pages the fakes (handlers do
// not import mocks): the outbox, the fake Twilio Console and the fake
// Cloudflare. Outside sandbox mode (world nil) there are none.
func consoleSandbox(world *sandboxWorld) console.SandboxConsole {
	if world == nil {
		return console.SandboxConsole{}
	}
	sb := world.sandbox
	return console.SandboxConsole{
		Outbox: func() []console.SandboxMail {
			msgs := sb.Outbox.Messages()
			out := make([]console.SandboxMail, len(msgs))
			for i, m := range msgs {
				out[i] = console.SandboxMail{To: m.To, Subject: m.Subject, Text: m.Text, SentAt: m.SentAt}
			}
			return out
		},
		RegisterTwilioDomain: sb.Twilio.RegisterDomainContext,
		CreateCloudflareZone: sb.Cloudflare.CreateZone,
		AddDNSRecord:         sb.DNS.AddManual,
		InjectFault: func(provider string, status, count int) error {
			f, ok := sandboxFaults(sb)[provider]
			if !ok {
				return fmt.Errorf("no fake named %q", provider)
			}
			f.Inject(mocks.Fault{Status: status, Count: count})
			return nil
		},
		ClearFaults: func(provider string) {
			for name, f := range sandboxFaults(sb) {
				if provider == "" || provider == name {
					f.Clear()
				}
			}
		},
		PendingFaults: func() map[string]int {
			out := map[string]int{}
			for name, f := range sandboxFaults(sb) {
				out[name] = f.Pending()
			}
			return out
		},
	}
}

// sandboxFaults are the fakes' fault queues, by the name the console's
// fault tool uses.
func sandboxFaults(sb *mocks.Sandbox) map[string]*mocks.Faults {
	out := map[string]*mocks.Faults{"twilio": sb.Twilio.Faults}
	for _, h := range sb.DNSHosts {
		out[h.Name] = h.Faults
	}
	return out
}

// consoleDNSDoctor is the console's DNS check for the manual setup: the
// sandbox resolver in sandbox mode, the live one otherwise.
func consoleDNSDoctor(world *sandboxWorld) (func(ctx context.Context, host, apex, target string) (handlers.DNSDiagnosis, error), error) {
	var res providers.Resolver
	if world != nil {
		res = world.Resolver
	} else {
		live, err := dnscheck.New(dnscheck.Config{})
		if err != nil {
			return nil, err
		}
		res = live
	}
	return func(ctx context.Context, host, apex, target string) (handlers.DNSDiagnosis, error) {
		check, err := res.CheckCNAME(ctx, host, apex, target)
		if err != nil {
			return handlers.DNSDiagnosis{}, err
		}
		d := handlers.DNSDiagnosis{OK: check.OK}
		for _, f := range check.Findings {
			d.Findings = append(d.Findings, handlers.DNSFinding{Code: f.Code, Message: f.Message})
		}
		return d, nil
	}, nil
}
