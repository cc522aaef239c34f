// Package mocks will hold stateful fakes of Twilio, Cloudflare, DNS and SMTP
// as http.Handlers (plus httpmock helpers), faithful to the providers'
// OpenAPI documents. Tests use them, and so does sandbox mode. Production
// code never imports this package except the sandbox wiring in cmd/linkgate.
// Nothing here yet: it arrives with the provider issue.
package mocks
