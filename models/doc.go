// Package models is linkgate's data: the GORM row types, the typed statuses
// and their one transition table, the store's queries, the error kinds the
// HTTP layer maps to statuses, and the versioned migrations of both
// dialects (SQLite and PostgreSQL).
//
// What lives where:
//   - status.go: every status word (domain lifecycle, DNS and certificate
//     sub-statuses, setup modes, plans, roles), the transition table and
//     the status sets that say which actions a status allows
//     (Configurable, AcceptsDomainSID, Retryable, Attachable). No other
//     package spells a status.
//   - transition.go: the transition engine, Store.ApplyTx, and the webhook
//     event outbox write beside it.
//   - store.go: the Store (database handle and clock), transactions
//     (Store.Tx), Scope and the shared query helpers.
//   - one file per aggregate for its rows and queries: client.go, user.go,
//     apikey.go, session.go, domain.go, event.go (the domain timeline),
//     dns_access.go, messaging_service.go, registration.go,
//     webhook_endpoint.go, webhook_event.go, webhook_delivery.go,
//     sandbox.go (the fakes' saved state).
//   - campaigns: campaign_status.go (their own statuses, one transition
//     table and the action sets), campaign_transition.go
//     (Store.ApplyCampaignTx and the status actions), campaign.go (rows,
//     views, create/get/update/list), campaign_recipients.go (streamed
//     uploads and the messages list), campaign_submit.go (content
//     checks); phone.go (E.164) and sms.go (encoding and segments).
//   - views.go: the API and webhook response shapes.
//   - errors.go: the error kinds (one table in the HTTP layer maps them to
//     statuses); hostname.go: parsing a client's domain into a host.
//
// How a change is made: read the domain, decide, then in one transaction
// call Store.ApplyTx (row + timeline entry + webhook events) and enqueue
// the next job with River's InsertTx on the same transaction
// (Store.Tx hands over both the GORM and the database/sql handle). A
// step never changes a domain's row any other way, so every change is
// on the timeline and in the event outbox or in neither.
//
// The store keeps no state besides the database handle and the clock;
// scope (Scope) is checked in the query, and another client's row is
// reported as not found.
package models
