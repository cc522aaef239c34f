package world_test

import (
	"context"
	"testing"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/mocks/world"
	"github.com/linkgate/linkgate/providers"
)

// TestWorldMessaging: the world's Messaging adapter reaches the fake
// Twilio's Messages API, and the sandbox's stats count the sends.
func TestWorldMessaging(t *testing.T) {
	t.Setenv("TWILIO_EDGE", "")
	t.Setenv("TWILIO_REGION", "")
	ctx := context.Background()
	w, err := world.New(world.Config{Twilio: mocks.TwilioConfig{
		AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "WorldToken0123456789abcdef"}})
	if err != nil {
		t.Fatal(err)
	}
	mg, err := w.Twilio.CreateMessagingService(ctx, "world")
	if err != nil {
		t.Fatal(err)
	}
	sent, err := w.Messaging.Send(ctx, providers.SMS{To: "+447700900123", MessagingServiceSID: mg, Body: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Twilio.FlushMessages(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := w.Messaging.Fetch(ctx, sent.SID)
	if err != nil || got.Status != providers.MessageDelivered {
		t.Fatalf("Fetch = %+v, %v", got, err)
	}
	if n := w.Sandbox().Stats().Twilio.MessagesSent["+447700900123"]; n != 1 {
		t.Errorf("stats: %d messages sent, want 1", n)
	}
}
