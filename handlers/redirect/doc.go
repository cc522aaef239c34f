// Package redirect will hold the tracked-link redirector: requests for a
// branded link domain (ls.acme.com/abc) are chosen by their Host before
// the app's router sees them, the click is recorded and the browser is
// sent on to the link's target (or the client's fallback URL).
//
// The rule: it answers only hosts that are configured link domains,
// with redirects and nothing else (no pages, no API, no cookies), and it
// never imports another audience; everything else passes through to the
// kit (handlers) untouched.
package redirect
