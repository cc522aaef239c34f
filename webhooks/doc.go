// Package webhooks will hold the event catalog, the endpoint registry,
// Standard Webhooks signing and the durable delivery jobs with their retry
// schedule, attempt log and replay. Nothing here yet: it arrives with the
// webhooks issue.
package webhooks
