// Package providers will hold the contracts linkgate has with the outside
// world, as small interfaces documented in doc comments: DNS (Cloudflare and
// later vendors: zone lookup, idempotent EnsureCNAME, DeleteRecord,
// CheckCredentials), LinkShortening (Twilio: managed certificates, DNS
// validation, domain config, Messaging Service attachment), Mailer and
// Resolver, with their value types and the ErrTransient / ErrPermanent
// classification that the workflows act on. Each vendor adapter lives in a
// subpackage (providers/cloudflare, providers/twilio, providers/smtp,
// providers/dnscheck). Nothing here yet: it arrives with the provider issue.
package providers
