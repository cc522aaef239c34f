// Package workflowtest builds what tests of the workflow engine need: the
// sandbox world (mocks/world: the stateful fakes with the real adapters
// pointed at them in-process), in memory, failing the test if it cannot.
// Test support only: production code never imports it.
package workflowtest

import (
	"testing"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/mocks/world"
)

// World is the fakes and the adapters that reach them.
type World = world.World

// NewWorld builds the sandbox world in memory. tw configures the fake
// Twilio; its DNS is the fake DNS, which answers from the fake
// Cloudflare's records.
func NewWorld(t testing.TB, tw mocks.TwilioConfig) *World {
	t.Helper()
	w, err := world.New(world.Config{Twilio: tw})
	if err != nil {
		t.Fatalf("sandbox world: %v", err)
	}
	return w
}
