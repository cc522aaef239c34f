package handlers

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCrossSite(t *testing.T) {
	for v, want := range map[string]bool{"": false, "same-origin": false, "none": false, "same-site": true, "cross-site": true} {
		r := httptestRequest(v)
		if got := crossSite(r); got != want {
			t.Errorf("Sec-Fetch-Site %q: crossSite = %v, want %v", v, got, want)
		}
	}
	if tokensEqual("", "") || tokensEqual("abc", "") || tokensEqual("abc", "abd") || !tokensEqual("abc", "abc") {
		t.Error("tokensEqual")
	}
}

func httptestRequest(secFetchSite string) *http.Request {
	r := httptest.NewRequest("POST", "/register/x/account", nil)
	if secFetchSite != "" {
		r.Header.Set("Sec-Fetch-Site", secFetchSite)
	}
	return r
}
