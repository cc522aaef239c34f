package main

import (
	"context"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/console"
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
	}
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
