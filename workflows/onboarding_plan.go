package workflows

import (
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/linkgate/linkgate/models"
)

// An onboardingPlan is the onboarding of one purpose: the steps its
// domains go through and where they go once their CNAME answers. The
// steps ask the domain's plan what comes next instead of testing the
// purpose themselves.
//
//	link_shortening: ensure_cname → verify_dns → (Domain SID) → validate_twilio_dns → request_cert → poll_cert → configure_domain → configured
//	url_tracking:    ensure_cname → verify_dns → configured
type onboardingPlan struct {
	// steps are the plan's job kinds in order (ensure_cname only for
	// self setup).
	steps []string
	// dnsVerified is the change once the CNAME answers (its To, and a
	// word for the timeline) and the job that carries the domain on (nil:
	// none, or a person's step).
	dnsVerified func(e *Engine, d *models.Domain, now time.Time) (models.Change, river.JobArgs)
}

// The plans, one per purpose (models.Purposes).
var onboardingPlans = map[models.Purpose]onboardingPlan{
	models.PurposeLinkShortening: {
		steps: []string{stepEnsureCNAME, stepVerifyDNS, stepValidateTwilioDNS, stepRequestCert, stepPollCert, stepConfigureDomain},
		dnsVerified: func(e *Engine, d *models.Domain, now time.Time) (models.Change, river.JobArgs) {
			if d.DomainSID == "" {
				return models.Change{To: models.StatusAwaitingDomainSID}, nil
			}
			return models.Change{To: models.StatusSSLPending},
				ValidateTwilioDNSArgs{DomainID: d.ID, Started: now, Deadline: now.Add(e.cfg.Intervals.DNSDeadline)}
		},
	},
	models.PurposeURLTracking: {
		steps: []string{stepEnsureCNAME, stepVerifyDNS},
		dnsVerified: func(_ *Engine, d *models.Domain, _ time.Time) (models.Change, river.JobArgs) {
			empty, none := "", models.FailureNone
			return models.Change{To: models.StatusConfigured, FailedStep: &empty, FailureKind: &none,
				Reason: fmt.Sprintf("configured for URL tracking: %s answers CNAME %s", d.Host, d.CNAMETarget)}, nil
		},
	},
}

// planOf is the plan of d's purpose (models.Purposes all have one; a row
// without a known purpose follows link shortening, as every domain did
// before purposes).
func planOf(d *models.Domain) onboardingPlan {
	if p, ok := onboardingPlans[d.Purpose]; ok {
		return p
	}
	return onboardingPlans[models.PurposeLinkShortening]
}

// has reports whether step (a job kind) is one of the plan's.
func (p onboardingPlan) has(step string) bool { return slices.Contains(p.steps, step) }
