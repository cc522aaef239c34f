// Package handlers is linkgate's web kit (DESIGN §8): it assembles the
// Gin router (request log, panic recovery, metrics, body limit, NoRoute
// and NoMethod) and holds, once, what every audience of the HTTP layer
// shares: problem+json with the one error-kind → HTTP-status table, JSON
// binding with the text rules and list envelopes, API-key authentication, sessions, cookies
// and CSRF, rate limiters, template sets and assets, and the plumbing of
// the HTML pages (security headers, rendering, error and message pages,
// redirects, the "needs workflows" gate, the DNS doctor fragment). It
// serves /healthz, /readyz and /metrics itself.
//
// The applications are audiences mounted on the kit by New: handlers/api
// (the JSON API), handlers/callbacks (Twilio's signed callbacks under
// /twilio), handlers/console and handlers/register (the pages);
// handlers/app assembles them and cmd/linkgate gives each its Config.
//
// The rule: the kit knows no audience. It never imports the audiences'
// subpackages, and anything two audiences need is written here once. Its
// one library subpackage, handlers/textcheck (the text rules applied to
// every body, query and form: Bind, CheckRequestText, PageText), imports
// nothing of the kit's, so that its fuzz targets build in seconds.
package handlers
