// Package redirect is the tracked-link redirector (API.md "Tracked
// links", DESIGN §10): requests for a tracking host (dyn.co/Ab3dE9,
// offers.dyn.co/Ab3dE9, a client's configured url_tracking domain) are
// chosen by their Host before the app's router sees them, the click is
// recorded, and the browser is sent on with a 302 to the link's stored
// URL (an unknown ref: the client's fallback URL, or a plain 404 page).
//
// The rules:
//   - It answers only tracking hosts, with redirects and nothing else (no
//     pages, no API, no cookies); every other request passes through to
//     the kit untouched. It never imports another audience.
//   - It redirects only to stored URLs (never to anything taken from the
//     request): no open redirect.
//   - A click is committed before its 302 is written: a crash loses no
//     click that was answered. Clicks are group-committed (a batch of
//     lookups in one query, a batch of clicks in one transaction) so the
//     database does not bound the rate per request.
//   - Bad requests (an odd method, a path that cannot be a ref) are
//     answered without touching the database.
//
// GET /tls/ask (TLSAsk, mounted on the kit) tells a fronting proxy whether
// it may get a certificate for a host: the on-demand TLS check.
package redirect
