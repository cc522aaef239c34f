package hostname

import "testing"

func TestValidLabelAndName(t *testing.T) {
	t.Parallel()
	labels := map[string]bool{
		"go": true, "a": true, "x-1": true, "": false, "-a": false, "a-": false, "A": false,
		"a_b": false, "a.b": false, "é": false, string(make([]byte, 64)): false,
	}
	for l, want := range labels {
		if got := ValidLabel(l); got != want {
			t.Errorf("ValidLabel(%q) = %v, want %v", l, got, want)
		}
	}
	names := map[string]bool{
		"dyn.co": true, "track.example.com": true, "xn--bcher-kva.de": true, "localhost": false,
		"10.0.0.1": false, "a..com": false, "Dyn.co": false, "dyn.co.": false, "-a.com": false,
	}
	for n, want := range names {
		if got := ValidName(n); got != want {
			t.Errorf("ValidName(%q) = %v, want %v", n, got, want)
		}
	}
}
