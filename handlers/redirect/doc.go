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
//     click that was answered. It is committed to a local click journal
//     (package journal: many clicks share one write), not to the
//     database: the redirector then stores the journal's clicks in the
//     database in batches of thousands (one transaction each, with their
//     events and campaign stats), and a process that died before doing so
//     leaves them for the next one, which stores each once. With
//     SyncClicks the journal's write is also fdatasync'd before the 302.
//   - A ref is looked up in the store's cache of the links this process
//     created lately, else in the database (a batch of lookups in one
//     query), so neither bounds the rate per request.
//   - Bad requests (an odd method, a path that cannot be a ref) are
//     answered without touching the database.
//
// GET /tls/ask (TLSAsk, mounted on the kit) tells a fronting proxy whether
// it may get a certificate for a host: the on-demand TLS check.
package redirect
