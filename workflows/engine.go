// Package workflows holds linkgate's durable processes on River. The
// workflow state is the domain row; River only carries "run step X for
// domain Y". Every step ends in one transaction that updates the domain,
// writes its timeline event, enqueues the next step (InsertTx) and
// completes its own job (JobCompleteTx), so a crash at any point either
// repeats a whole step or nothing. Provider calls are idempotent (look
// before create, "already attached" is success), so a repeated step is
// harmless.
//
// Errors are control signals: a transient provider error is retried with
// backoff (or snoozed for the provider's Retry-After) and shown as the
// domain's status_reason; a permanent one moves the domain to failed with
// a reason a person can act on, remembering the step so that Retry resumes
// there. Polls (DNS, certificate) snooze with a deadline carried in the
// job's args.
package workflows

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/webhooks"
)

// Intervals is the retry and polling policy (README "Retry policy").
type Intervals struct {
	DNSFirst     time.Duration // DNS checks start this often...
	DNSFastPhase time.Duration // ...for this long,
	DNSMax       time.Duration // then back off (doubling) up to this,
	DNSDeadline  time.Duration // until this long after the check started.
	CertFirst    time.Duration // certificate polls: first interval,
	CertMax      time.Duration // backing off (doubling) up to this,
	CertDeadline time.Duration // until this long after the request.
	FetchPoll    time.Duration // how often idle workers look for jobs
	WebhookPoll  time.Duration // how often the outbox is fanned out
	MaxAttempts  int           // transient failures of one step before it fails
	Resume       time.Duration // how often steps left running by a dead worker are looked for (PostgreSQL; 10 s when zero)
}

// DefaultIntervals is the production policy.
func DefaultIntervals() Intervals {
	return Intervals{
		DNSFirst: 30 * time.Second, DNSFastPhase: 10 * time.Minute, DNSMax: 30 * time.Minute, DNSDeadline: 48 * time.Hour,
		CertFirst: 30 * time.Second, CertMax: 10 * time.Minute, CertDeadline: 72 * time.Hour,
		FetchPoll: time.Second, WebhookPoll: 250 * time.Millisecond, MaxAttempts: 12, Resume: 10 * time.Second,
	}
}

// SandboxIntervals is the policy of sandbox mode and tests: an onboarding
// finishes in seconds.
func SandboxIntervals() Intervals {
	return Intervals{
		DNSFirst: 100 * time.Millisecond, DNSFastPhase: 2 * time.Second, DNSMax: 500 * time.Millisecond, DNSDeadline: 2 * time.Minute,
		CertFirst: 100 * time.Millisecond, CertMax: 500 * time.Millisecond, CertDeadline: 2 * time.Minute,
		FetchPoll: 50 * time.Millisecond, WebhookPoll: 50 * time.Millisecond, MaxAttempts: 12, Resume: time.Second,
	}
}

// Config wires the engine. Store, LinkShortening, Resolver and Keys are
// required; DNS lists the DNS hosts a self setup may use (providers.DNSHosts:
// name, credential fields, factory).
type Config struct {
	Store          *models.Store
	Logger         *slog.Logger
	DNS            providers.DNSHosts
	LinkShortening providers.LinkShortening
	Resolver       providers.Resolver
	Keys           *models.KeyRing
	// PublicURL is linkgate's base URL; Twilio's click callback goes to
	// PublicURL + ClickPath.
	PublicURL string
	Intervals Intervals
	Workers   int // concurrent jobs per process (default 10)
	// DNSWorkers: concurrent steps calling clients' DNS hosts, a queue of
	// their own (QueueDNSHosts; default 10).
	DNSWorkers int
	// PollOnly makes River poll for jobs on PostgreSQL too, instead of
	// being woken by LISTEN/NOTIFY on a connection of its own
	// (river_listener.go). SQLite always polls.
	PollOnly bool
	ClientID string // River client id (default: River's)
	// RetryBackoff overrides River's retry delay for transient errors
	// (tests; nil = River's attempt^4 seconds with jitter).
	RetryBackoff func(attempt int) time.Duration

	// Forward login: the mailer of registration e-mails, the platform name
	// they show, how long a link works (default 7 days), when reminders go
	// out (default day 3 and day 6) and how often expiry is swept (default
	// 1 minute).
	Mailer          providers.Mailer
	PlatformName    string
	RegistrationTTL time.Duration
	Reminders       []time.Duration
	SweepInterval   time.Duration

	// Webhook delivery: the client's policy (SSRF guard, http allowed,
	// timeout), the retry schedule (nil = webhooks.Schedule), the failure
	// window after which an endpoint is disabled (default 5 days) and how
	// many deliveries run at once per process (default 50), and how many
	// of them may go to one endpoint (default half the workers).
	WebhookClient               webhooks.ClientConfig
	WebhookSchedule             []time.Duration
	WebhookFailureWindow        time.Duration
	WebhookWorkers              int
	WebhookConcurrencyPerTarget int
	// WebhookRetention is how long finished deliveries and their events
	// are kept (default 30 days).
	WebhookRetention time.Duration

	// ReconcileInterval is how often every live domain is compared with
	// Twilio and DNS and repaired (reconcile.go); 0 turns the periodic
	// run off (`linkgate reconcile` still works).
	ReconcileInterval time.Duration

	// Reputation, when set, screens hosts as they are added (ScreenHost)
	// and live domains every ReputationInterval (default 24 h).
	Reputation         providers.Reputation
	ReputationInterval time.Duration

	// Metrics receives the engine's metrics (nil: not exported).
	Metrics prometheus.Registerer

	// AutoArchiveAfter is how long a configured domain may go unused
	// before the system archives it (0: models.DefaultAutoArchiveAfter;
	// negative: auto-archive off); AutoArchiveInterval is how often the
	// periodic pass runs (default 1 hour).
	AutoArchiveAfter    time.Duration
	AutoArchiveInterval time.Duration

	// LinkRetention is how long tracked links and their clicks are kept
	// (0: DefaultLinkRetention); a daily job deletes older ones.
	LinkRetention time.Duration

	// Campaign sending (campaign_send.go): Messaging sends the SMS and
	// fetches their prices (when nil, LinkShortening's when it also
	// implements providers.Messaging);
	// SendRate is messages per second per Messaging Service (default
	// DefaultSendRate); CampaignBatch the recipients of one job run
	// (default DefaultCampaignBatch); CampaignWorkers the campaigns sending
	// at once per process (default 10); CampaignSweepInterval how often
	// due scheduled campaigns are started and running ones checked for a
	// job (default 1 minute).
	Messaging providers.Messaging
	// PriceRetry is how often a price Twilio does not know yet is asked
	// for again (message_price.go; default 1 minute).
	PriceRetry            time.Duration
	SendRate              float64
	CampaignBatch         int
	CampaignWorkers       int
	CampaignSweepInterval time.Duration

	// Notifications (notify.go, issue 17): NotifyAdmins are addresses
	// told as well as the client; NotifyInterval is how often the pass
	// runs (default DefaultNotifyInterval).
	NotifyAdmins   []string
	NotifyInterval time.Duration
}

// ClickPath is where Twilio reports clicks on shortened links.
const ClickPath = "/twilio/clicks"

// Engine runs the workflows and offers the human steps to the handlers.
type Engine struct {
	cfg    Config
	store  *models.Store
	log    *slog.Logger
	driver riverdriver.Driver[*sql.Tx]
	client *river.Client[*sql.Tx]

	hooks         *http.Client
	hookTimeout   time.Duration
	schedule      []time.Duration
	failureWindow time.Duration
	hookMetrics   *webhookMetrics
	busy          *inflight
	hookWake      hookWakeups // webhook_loop.go
	stopLoops     context.CancelFunc
	dispatchDone  chan struct{}
	resumeDone    chan struct{}
	identity      *sql.Conn // holds this worker's advisory lock (PostgreSQL; resume.go)
	pacers        sync.Map  // Messaging Service SID → *pacer (campaign_send.go)
	wake          bool      // River listens (PostgreSQL, not PollOnly): steps notify (river_listener.go)
}

// driverFor returns River's driver for db: on PostgreSQL with a listener
// of ours when listen is set (river_listener.go), else riverdatabasesql as
// it is (poll-only).
func driverFor(db *models.DB, listen bool) riverdriver.Driver[*sql.Tx] {
	if db.Dialect == models.Postgres {
		if listen {
			return newListeningDriver(db)
		}
		return riverdatabasesql.New(db.SQL)
	}
	return riversqlite.New(db.SQL)
}

// MigrateRiver applies River's own migrations (on PostgreSQL under the same
// advisory lock as linkgate's).
func MigrateRiver(ctx context.Context, db *models.DB) error {
	return models.WithMigrationLock(ctx, db, func() error {
		m, err := rivermigrate.New(driverFor(db, false), nil)
		if err != nil {
			return err
		}
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return err
	})
}

// New validates the configuration and builds the River client (not
// started).
func New(cfg Config) (*Engine, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("workflows: Store is required")
	case cfg.LinkShortening == nil:
		return nil, errors.New("workflows: LinkShortening is required")
	case cfg.Resolver == nil:
		return nil, errors.New("workflows: Resolver is required")
	case cfg.Keys == nil:
		return nil, errors.New("workflows: Keys is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Intervals == (Intervals{}) {
		cfg.Intervals = DefaultIntervals()
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 10
	}
	if cfg.DNSWorkers <= 0 {
		cfg.DNSWorkers = 10
	}
	if cfg.PlatformName == "" {
		cfg.PlatformName = "linkgate"
	}
	if cfg.RegistrationTTL <= 0 {
		cfg.RegistrationTTL = 7 * 24 * time.Hour
	}
	if cfg.Reminders == nil {
		cfg.Reminders = []time.Duration{3 * 24 * time.Hour, 6 * 24 * time.Hour}
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = time.Minute
	}
	if cfg.Intervals.WebhookPoll <= 0 {
		cfg.Intervals.WebhookPoll = DefaultIntervals().WebhookPoll
	}
	if cfg.WebhookSchedule == nil {
		cfg.WebhookSchedule = webhooks.Schedule
	}
	if cfg.WebhookFailureWindow <= 0 {
		cfg.WebhookFailureWindow = DefaultWebhookFailureWindow
	}
	if cfg.WebhookRetention <= 0 {
		cfg.WebhookRetention = 30 * 24 * time.Hour
	}
	if cfg.AutoArchiveAfter == 0 {
		cfg.AutoArchiveAfter = models.DefaultAutoArchiveAfter
	}
	if cfg.AutoArchiveInterval <= 0 {
		cfg.AutoArchiveInterval = time.Hour
	}
	if cfg.Messaging == nil {
		cfg.Messaging, _ = cfg.LinkShortening.(providers.Messaging)
	}
	if cfg.CampaignWorkers <= 0 {
		cfg.CampaignWorkers = 10
	}
	if cfg.CampaignSweepInterval <= 0 {
		cfg.CampaignSweepInterval = time.Minute
	}
	if cfg.PriceRetry <= 0 {
		cfg.PriceRetry = time.Minute
	}
	if cfg.WebhookWorkers <= 0 {
		cfg.WebhookWorkers = 50
	}
	if cfg.WebhookConcurrencyPerTarget <= 0 {
		cfg.WebhookConcurrencyPerTarget = max(cfg.WebhookWorkers/2, 1)
	}
	e := &Engine{cfg: cfg, store: cfg.Store, log: cfg.Logger, driver: driverFor(cfg.Store.DB(), !cfg.PollOnly),
		busy:  newInflight(cfg.WebhookConcurrencyPerTarget),
		hooks: webhooks.NewClient(cfg.WebhookClient), hookTimeout: cfg.WebhookClient.Timeout,
		schedule: cfg.WebhookSchedule, failureWindow: cfg.WebhookFailureWindow}
	if e.hookTimeout <= 0 {
		e.hookTimeout = webhooks.DefaultTimeout
	}
	var err error
	if e.hookMetrics, err = newWebhookMetrics(cfg.Metrics, cfg.Store); err != nil {
		return nil, fmt.Errorf("workflows: metrics: %w", err)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &ensureCNAMEWorker{e: e})
	river.AddWorker(workers, &verifyDNSWorker{e: e})
	river.AddWorker(workers, &validateTwilioDNSWorker{e: e})
	river.AddWorker(workers, &requestCertWorker{e: e})
	river.AddWorker(workers, &pollCertWorker{e: e})
	river.AddWorker(workers, &configureDomainWorker{e: e})
	river.AddWorker(workers, &sendRegistrationWorker{e: e})
	river.AddWorker(workers, &sendPasswordResetWorker{e: e})
	river.AddWorker(workers, &sweepWorker{e: e})
	river.AddWorker(workers, &domainNoticeWorker{e: e})
	river.AddWorker(workers, &autoArchiveWorker{e: e})
	river.AddWorker(workers, &deliverWebhookWorker{e: e})
	river.AddWorker(workers, &webhookDisabledWorker{e: e})
	river.AddWorker(workers, &reconcileWorker{e: e})
	river.AddWorker(workers, &reconcileDomainWorker{e: e})
	river.AddWorker(workers, &reputationWorker{e: e})
	river.AddWorker(workers, &reputationDomainWorker{e: e})
	river.AddWorker(workers, &campaignSendWorker{e: e})
	river.AddWorker(workers, &campaignStartWorker{e: e})
	river.AddWorker(workers, &campaignSweepWorker{e: e})
	river.AddWorker(workers, &messagePriceWorker{e: e})
	river.AddWorker(workers, &linkRetentionWorker{e: e})
	river.AddWorker(workers, &searchIndexWorker{})
	river.AddWorker(workers, &notifyPassWorker{e: e})
	river.AddWorker(workers, &notifyEmailWorker{e: e})
	periodic := []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(cfg.SweepInterval),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(cfg.CampaignSweepInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				return CampaignSweepArgs{}, &river.InsertOpts{UniqueOpts: uniqueStep}
			}, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) {
				return LinkRetentionArgs{}, &river.InsertOpts{UniqueOpts: uniqueStep}
			}, nil)}
	if cfg.NotifyInterval <= 0 {
		cfg.NotifyInterval = DefaultNotifyInterval
	}
	periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(cfg.NotifyInterval),
		func() (river.JobArgs, *river.InsertOpts) {
			return NotifyPassArgs{}, &river.InsertOpts{UniqueOpts: uniqueStep}
		}, &river.PeriodicJobOpts{RunOnStart: true}))
	if cfg.Reputation != nil {
		if cfg.ReputationInterval <= 0 {
			cfg.ReputationInterval = 24 * time.Hour
		}
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(cfg.ReputationInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				return ReputationArgs{}, &river.InsertOpts{UniqueOpts: uniqueStep}
			}, nil))
	}
	if cfg.ReconcileInterval > 0 {
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(cfg.ReconcileInterval),
			func() (river.JobArgs, *river.InsertOpts) {
				return ReconcileArgs{}, &river.InsertOpts{UniqueOpts: uniqueStep}
			}, nil))
	}
	rc := &river.Config{
		ID:     cfg.ClientID,
		Logger: cfg.Logger.With(slog.String("component", "river")),
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: cfg.Workers},
			// Deliveries are short and many: fetch again soon after a
			// batch finishes.
			QueueWebhooks: {MaxWorkers: cfg.WebhookWorkers, FetchCooldown: 10 * time.Millisecond,
				FetchPollInterval: cfg.Intervals.WebhookPoll},
			QueueCampaigns: {MaxWorkers: cfg.CampaignWorkers},
			QueueDNSHosts:  {MaxWorkers: cfg.DNSWorkers},
		},
		Workers:              workers,
		FetchPollInterval:    cfg.Intervals.FetchPoll,
		FetchCooldown:        min(cfg.Intervals.FetchPoll, 100*time.Millisecond),
		MaxAttempts:          cfg.Intervals.MaxAttempts,
		JobTimeout:           2 * time.Minute,
		RescueStuckJobsAfter: 5 * time.Minute,
		PollOnly:             cfg.PollOnly || cfg.Store.DB().Dialect != models.Postgres,
		PeriodicJobs:         periodic,
	}
	if cfg.AutoArchiveAfter > 0 {
		rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(cfg.AutoArchiveInterval),
			func() (river.JobArgs, *river.InsertOpts) { return AutoArchiveArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	}
	if cfg.RetryBackoff != nil {
		rc.RetryPolicy = retryPolicy(cfg.RetryBackoff)
	}
	client, err := river.NewClient(e.driver, rc)
	if err != nil {
		return nil, fmt.Errorf("workflows: %w", err)
	}
	e.client = client
	e.wake = !rc.PollOnly
	return e, nil
}

type retryPolicy func(attempt int) time.Duration

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(p(job.Attempt))
}

// Start runs the workers, after making the steps a crashed process left
// running available again (resume.go).
func (e *Engine) Start(ctx context.Context) error {
	if e.cfg.Intervals.Resume <= 0 {
		e.cfg.Intervals.Resume = 10 * time.Second
	}
	pg := e.store.DB().Dialect == models.Postgres
	if pg {
		if err := e.holdIdentity(ctx); err != nil {
			return err
		}
	}
	if _, err := e.resumeOrphans(ctx); err != nil {
		return err
	}
	if err := e.client.Start(ctx); err != nil {
		return err
	}
	dctx, cancel := context.WithCancel(ctx)
	e.stopLoops = cancel
	e.dispatchDone = make(chan struct{})
	go e.runWebhooks(dctx, e.dispatchDone) // webhook_loop.go
	if pg {
		e.resumeDone = make(chan struct{})
		go e.resumeLoop(dctx, e.resumeDone)
	}
	return nil
}

// Stop waits for running jobs to finish (until ctx ends, then cancels them).
func (e *Engine) Stop(ctx context.Context) error {
	if e.stopLoops != nil {
		e.stopLoops()
		<-e.dispatchDone
		if e.resumeDone != nil {
			<-e.resumeDone
		}
	}
	err := e.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = e.client.StopAndCancel(context.Background())
	}
	e.releaseIdentity()
	return err
}

// Ready reports whether the job engine can reach its tables.
func (e *Engine) Ready(ctx context.Context) error {
	var n int
	return e.store.DB().SQL.QueryRowContext(ctx, "SELECT count(*) FROM river_queue").Scan(&n)
}

// uniqueStep makes "one pending job per step per domain": a second enqueue
// of the same step (double click, concurrent requests) is a no-op, while a
// step that completed can run again (retry).
var uniqueStep = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled,
}}

// insertTx enqueues a step in the caller's transaction: one pending job
// per step (uniqueStep).
func (e *Engine) insertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs) error {
	return e.enqueue(ctx, tx, river.InsertManyParams{Args: args, InsertOpts: &river.InsertOpts{UniqueOpts: uniqueStep}})
}

// enqueue is how every job is inserted: in the caller's transaction tx,
// or, if tx is nil, in one of River's own (which also wakes this
// process's workers when River only polls). Each job has its own options.
// The jobs available at once wake the workers of every process at commit
// (wakeTx), whatever River's notify limiter dropped.
func (e *Engine) enqueue(ctx context.Context, tx *sql.Tx, jobs ...river.InsertManyParams) error {
	if len(jobs) == 0 {
		return nil
	}
	var (
		res []*rivertype.JobInsertResult
		err error
	)
	if tx != nil {
		res, err = e.client.InsertManyTx(ctx, tx, jobs)
	} else {
		res, err = e.client.InsertMany(ctx, jobs)
	}
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", jobs[0].Args.Kind(), err)
	}
	if tx != nil {
		return e.wakeTx(ctx, tx, res...) // river_listener.go
	}
	// Committed already: the notification goes on its own.
	return e.wakeTx(ctx, e.store.DB().SQL, res...)
}

// completeTx completes the running job in the caller's transaction.
func completeTx[T river.JobArgs](ctx context.Context, tx *sql.Tx, job *river.Job[T]) error {
	_, err := river.JobCompleteTx[riverdriver.Driver[*sql.Tx]](ctx, tx, job)
	return err
}

// sqlTxAlias keeps signatures short.
type sqlTxAlias = sql.Tx

// DNSHosts returns the DNS hosts a self setup may use (Config.DNS), in the
// order forms show them.
func (e *Engine) DNSHosts() providers.DNSHosts { return e.cfg.DNS }
