// Package workflowtest builds what tests of the workflow engine need:
// the stateful fakes of Twilio, Cloudflare and DNS with the real adapters
// pointed at them in-process (as sandbox mode wires them). Test support
// only: production code never imports it.
package workflowtest

import (
	"net/http"
	"testing"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/providers/cloudflare"
	"github.com/linkgate/linkgate/providers/twilio"
)

// World is the fakes and the adapters that reach them.
type World struct {
	Cloudflare *mocks.Cloudflare
	DNS        *mocks.DNS
	Twilio     *mocks.Twilio
	// LinkShortening is the Twilio adapter on the fake Twilio.
	LinkShortening providers.LinkShortening
	// DNSFactories has the Cloudflare adapter on the fake Cloudflare under
	// "cloudflare" (workflows.Config.DNS).
	DNSFactories map[string]providers.DNSFactory
}

// NewWorld builds the fakes (in memory) and the adapters. tw configures
// the fake Twilio; its DNS is the fake DNS, which answers from the fake
// Cloudflare's records.
func NewWorld(t testing.TB, tw mocks.TwilioConfig) *World {
	t.Helper()
	w := &World{}
	var err error
	if w.Cloudflare, err = mocks.NewCloudflare(mocks.CloudflareConfig{}); err != nil {
		t.Fatalf("fake cloudflare: %v", err)
	}
	if w.DNS, err = mocks.NewDNS(mocks.DNSConfig{Sources: []mocks.RecordSource{w.Cloudflare}}); err != nil {
		t.Fatalf("fake dns: %v", err)
	}
	tw.DNS = w.DNS
	if w.Twilio, err = mocks.NewTwilio(tw); err != nil {
		t.Fatalf("fake twilio: %v", err)
	}
	if w.LinkShortening, err = twilio.New(twilio.Config{AccountSID: tw.AccountSID, AuthToken: tw.AuthToken,
		Transport: mocks.HandlerTransport{Handler: w.Twilio}}); err != nil {
		t.Fatalf("twilio adapter: %v", err)
	}
	w.DNSFactories = map[string]providers.DNSFactory{"cloudflare": cloudflare.Factory(cloudflare.Config{
		BaseURL:    "http://cloudflare.test/client/v4/",
		HTTPClient: &http.Client{Transport: mocks.HandlerTransport{Handler: w.Cloudflare}, Timeout: cloudflare.DefaultTimeout},
	})}
	return w
}
