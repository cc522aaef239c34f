package speccheck

import "testing"

func TestLoadAll(t *testing.T) {
	for _, n := range []string{Cloudflare, TwilioV1, TwilioV2, TwilioAPI, DigitalOcean} {
		s, err := Load(n)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(n, s.Server)
	}
}
