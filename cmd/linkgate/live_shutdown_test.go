package main

// A live stream (GET /api/v1/campaigns/live) open when the server shuts
// down ends at once, and the shutdown does not wait for it.

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers/handlertest"
)

func TestShutdownEndsLiveStreams(t *testing.T) {
	t.Parallel()
	r, a := startPublic(t, nil)
	clientID := a.newClient("stream.com")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", a.base+"/api/v1/campaigns/live", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	lines := handlertest.StreamLines(resp.Body)
	// The stream works: a new campaign is told.
	if got := <-lines; got != ": live" {
		t.Fatalf("first line %q", got)
	}
	id := a.want(201, "POST", "/api/v1/clients/"+clientID+"/campaigns", `{"name":"Told"}`).body["id"].(string)
	timeout := time.After(10 * time.Second)
	for told := false; !told; {
		select {
		case l := <-lines:
			told = strings.HasPrefix(l, "data: ") && strings.Contains(l, id)
		case <-timeout:
			t.Fatal("no event about the new campaign")
		}
	}

	start := time.Now()
	if err := r.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutting down took %s with a stream open", d)
	}
	select {
	case _, open := <-lines:
		for open {
			_, open = <-lines
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream outlived the server")
	}
}
