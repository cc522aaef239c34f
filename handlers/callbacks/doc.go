// Package callbacks holds Twilio's callbacks under /twilio/...
// (DESIGN §8): inbound messages (STOP and START replies), message status
// callbacks and Link Shortening's click events. One small file per callback,
// mounted on the kit (handlers) as an audience of its own.
//
// The rule: nothing is read from a callback before its
// X-Twilio-Signature has been checked against the account's auth token
// and the public URL it was sent to; an unsigned or wrongly signed
// request is refused (403) and changes nothing. It never imports
// another audience.
package callbacks
