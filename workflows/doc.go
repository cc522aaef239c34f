// Package workflows will hold linkgate's durable processes on River: domain
// onboarding (one job kind per step, each step ending in one transaction that
// updates the domain, writes its event, enqueues the next job and completes
// itself), registration reminders and expiry, certificate polling, rotation
// and auto-archive. Nothing here yet: it arrives with the onboarding issue.
package workflows
