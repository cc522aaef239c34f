package models

import "fmt"

// CampaignStatus is a campaign's lifecycle status (API.md "Campaigns").
// Campaign status values appear only here; everything else uses these
// constants.
type CampaignStatus string

// The campaign statuses.
const (
	CampaignDraft      CampaignStatus = "draft"      // steps not completed
	CampaignProcessing CampaignStatus = "processing" // content checks after submit
	CampaignReady      CampaignStatus = "ready"      // checks passed, not scheduled
	CampaignScheduled  CampaignStatus = "scheduled"  // starts at scheduled_at
	CampaignStarted    CampaignStatus = "started"    // start accepted, first batch queued
	CampaignSending    CampaignStatus = "sending"    // messages going out
	CampaignPaused     CampaignStatus = "paused"     // by a person
	CampaignSuspended  CampaignStatus = "suspended"  // by linkgate; status_reason says why
	CampaignAborted    CampaignStatus = "aborted"    // cancelled by a person (terminal)
	CampaignRejected   CampaignStatus = "rejected"   // content refused (terminal)
	CampaignFinished   CampaignStatus = "finished"   // every recipient attempted (terminal)
)

// CampaignStatuses lists every campaign status, in lifecycle order.
var CampaignStatuses = []CampaignStatus{
	CampaignDraft, CampaignProcessing, CampaignReady, CampaignScheduled, CampaignStarted, CampaignSending,
	CampaignPaused, CampaignSuspended, CampaignAborted, CampaignRejected, CampaignFinished,
}

// campaignTransitions is the one table of legal campaign status changes.
// The terminal statuses (aborted, rejected, finished) lead nowhere.
var campaignTransitions = map[CampaignStatus][]CampaignStatus{
	CampaignDraft:      {CampaignProcessing, CampaignAborted},
	CampaignProcessing: {CampaignReady, CampaignScheduled, CampaignRejected, CampaignAborted},
	// Back to draft when a checked campaign's content changes; between
	// ready and scheduled when scheduled_at is set or cleared.
	CampaignReady:     {CampaignDraft, CampaignScheduled, CampaignStarted, CampaignAborted},
	CampaignScheduled: {CampaignDraft, CampaignReady, CampaignStarted, CampaignAborted},
	CampaignStarted:   {CampaignSending, CampaignPaused, CampaignSuspended, CampaignAborted, CampaignFinished},
	CampaignSending:   {CampaignPaused, CampaignSuspended, CampaignAborted, CampaignFinished},
	CampaignPaused:    {CampaignStarted, CampaignSending, CampaignAborted},
	CampaignSuspended: {CampaignStarted, CampaignSending, CampaignAborted},
	CampaignAborted:   nil,
	CampaignRejected:  nil,
	CampaignFinished:  nil,
}

// Valid reports whether s is a known campaign status.
func (s CampaignStatus) Valid() bool {
	_, ok := campaignTransitions[s]
	return ok
}

// Terminal reports whether no status follows s.
func (s CampaignStatus) Terminal() bool { return s.Valid() && len(campaignTransitions[s]) == 0 }

// CanTransitionTo reports whether the table allows s → to.
func (s CampaignStatus) CanTransitionTo(to CampaignStatus) bool {
	for _, t := range campaignTransitions[s] {
		if t == to {
			return true
		}
	}
	return false
}

// CheckTransition returns nil when s → to is legal, and otherwise a
// conflict Error (code "invalid_state") wrapping ErrIllegalTransition.
func (s CampaignStatus) CheckTransition(to CampaignStatus) error {
	if s.CanTransitionTo(to) {
		return nil
	}
	return &Error{Kind: KindConflict, Code: "invalid_state",
		Detail: fmt.Sprintf("the campaign is %s and cannot become %s", s, to), Err: ErrIllegalTransition}
}

// CampaignStatusSet is the statuses in which a campaign action is allowed,
// declared next to the table so that handlers and workflows ask the same
// question.
type CampaignStatusSet []CampaignStatus

// The statuses in which each campaign action is allowed.
var (
	// CampaignEditable: any field may change (new variants send a ready or
	// scheduled campaign back to draft, to be checked again).
	CampaignEditable = CampaignStatusSet{CampaignDraft, CampaignReady, CampaignScheduled}
	// CampaignRunning: only name, tags and variants' ratios may change.
	CampaignRunning = CampaignStatusSet{CampaignStarted, CampaignSending, CampaignPaused, CampaignSuspended}
	// CampaignAcceptsRecipients: recipients may be uploaded.
	CampaignAcceptsRecipients = CampaignStatusSet{CampaignDraft}
	// CampaignSubmittable: the content checks may run.
	CampaignSubmittable = CampaignStatusSet{CampaignDraft}
	// CampaignStartable: sending may start.
	CampaignStartable = CampaignStatusSet{CampaignReady, CampaignScheduled}
	// CampaignPausable: a person may pause sending.
	CampaignPausable = CampaignStatusSet{CampaignStarted, CampaignSending}
	// CampaignResumable: sending may continue.
	CampaignResumable = CampaignStatusSet{CampaignPaused, CampaignSuspended}
	// CampaignAbortable: everything but the terminal statuses.
	CampaignAbortable = CampaignStatusSet{CampaignDraft, CampaignProcessing, CampaignReady, CampaignScheduled,
		CampaignStarted, CampaignSending, CampaignPaused, CampaignSuspended}
)

// Has reports whether s is in the set.
func (ss CampaignStatusSet) Has(s CampaignStatus) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// String lists the set's statuses joined by "or".
func (ss CampaignStatusSet) String() string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " or "
		}
		out += string(s)
	}
	return out
}

// Check returns nil when current is in the set, and otherwise a conflict
// Error (code "invalid_state") saying the campaign can be what only in the
// set's statuses.
func (ss CampaignStatusSet) Check(current CampaignStatus, what string) error {
	if ss.Has(current) {
		return nil
	}
	return &Error{Kind: KindConflict, Code: "invalid_state",
		Detail: fmt.Sprintf("the campaign is %s; it can be %s only when %s", current, what, ss)}
}

// MessageStatus is where one recipient's message stands.
type MessageStatus string

// The message statuses: pending until the sending engine takes it, then
// Twilio's.
const (
	MessagePending     MessageStatus = "pending"
	MessageQueued      MessageStatus = "queued"
	MessageSending     MessageStatus = "sending"
	MessageSent        MessageStatus = "sent"
	MessageDelivered   MessageStatus = "delivered"
	MessageUndelivered MessageStatus = "undelivered"
	MessageFailed      MessageStatus = "failed"
)

// MessageStatuses lists every message status.
var MessageStatuses = []MessageStatus{MessagePending, MessageQueued, MessageSending, MessageSent,
	MessageDelivered, MessageUndelivered, MessageFailed}

// Tracking says which links of a campaign are tracked.
type Tracking string

// The tracking modes.
const (
	TrackingOff    Tracking = "off"
	TrackingAll    Tracking = "all"
	TrackingMarked Tracking = "marked"
)

// Valid reports whether t is a known tracking mode.
func (t Tracking) Valid() bool { return t == TrackingOff || t == TrackingAll || t == TrackingMarked }

// Rotation is a client's policy for a campaign whose domain reached the
// per-domain limit. Rotating domains to stay under a limit is what US
// carriers call URL cycling, so it is the client's explicit choice.
type Rotation string

// The rotation policies.
const (
	RotationOnLimit Rotation = "on_limit" // move the Messaging Service to the next domain
	RotationOff     Rotation = "off"      // suspend the campaign instead
)

// Valid reports whether r is a known policy.
func (r Rotation) Valid() bool { return r == RotationOnLimit || r == RotationOff }
