package console

import (
	"time"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
)

// consoleSamples are data that run every branch worth checking of each
// console page at start-up (parsePages).
func consoleSamples() map[string][]any {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	signedOut := consoleBase{Title: "t", Platform: "p", Assets: "a", Notice: "n"}
	admin := signedOut
	admin.Sandbox, admin.Nav, admin.CSRF = true, "clients", "x"
	admin.User = &consoleUserView{Email: "a@example.com", Admin: true, Outbox: true, Twilio: true, Attention: 3}
	client := signedOut
	client.Nav, client.CSRF = "client", "x"
	client.User = &consoleUserView{Email: "c@example.com", ClientID: "cli_1"}
	errs := map[string]string{}
	for _, f := range []string{"form", "email", "password", "password_confirm", "name", "plan", "fallback_url", "domain", "subdomain", "purpose",
		"configure", "api_token", "mode", "forward", "sid", "domain_sid", "ms", "messaging_service_sid", "retry",
		"url", "events", "client_id", "host", "zone", "page",
		"domains", "domain_limit", "manage", "review", "decision", "note", "delete", "confirm", "pool_id", "action", "tracking"} {
		errs[f] = "e"
	}
	cl := &models.Client{ID: "cli_1", Name: "Acme", Email: "ops@acme.example", Plan: models.PlanBasic, FallbackURL: "https://acme.example", CreatedAt: now}
	limit := int64(5000)
	res := &results{Summary: "s", Rows: []outcome{{Name: "a.example", ID: "dom_1", OK: true, Text: "added"}, {Name: "b", Text: "not added: x", Code: "invalid_domain"}}}
	d := &models.Domain{ID: "dom_1", ClientID: "cli_1", Host: "ls.acme.example", Apex: "acme.example", Subdomain: "ls",
		Purpose: models.PurposeLinkShortening, SetupMode: models.SetupManual, Status: models.StatusDNSPending, StatusReason: "r",
		DNSStatus: models.DNSPropagating, SSLStatus: models.SSLNone, CNAMETarget: "t.example.", CNAMETTL: 600, DomainSID: "DN1",
		CertExpiresAt: &now, MessagingServiceSIDs: []string{"MG1"}, CreatedAt: now,
		MessagesSent: 1234, LastUsedAt: &now, ArchivedAt: &now, PoolIDs: []string{"pool_1"}}
	pl := &models.Pool{ID: "pool_1", ClientID: "cli_1", Name: "Main", DomainIDs: []string{"dom_1"}}
	pl2 := &models.Pool{ID: "pool_2", ClientID: "cli_1", Name: "Empty"}
	var statuses []statusFilter
	for i, s := range models.Statuses {
		statuses = append(statuses, statusFilter{Value: s, Label: handlers.StatusLabel(s), URL: "/s", Current: i == 0})
	}
	evs := []models.DomainEvent{{To: models.StatusPending, Reason: "added", Actor: "a", At: now},
		{From: models.StatusPending, To: models.StatusDNSPending, Reason: "r", Actor: "a", At: now},
		{From: models.StatusDNSPending, To: models.StatusDNSPending, Reason: "r", Actor: "a", At: now}}
	dv := domainView{consoleBase: admin, Client: cl, D: d, Events: evs, Actors: map[string]string{"a": "a@example.com"}, Record: handlers.RecordOf(d), StatusURL: "/s", DoctorURL: "/d", Action: "/a",
		AtTwilio: true, PurposeLabel: "Link Shortening", Configurable: true, TakesSID: true, Attachable: true, Failed: true, ShowDoctor: true, TwilioURL: "/t",
		ForwardEmail: "c@example.com", ShareLink: "https://l", SID: "DN", MS: "MG", Errors: errs,
		Usage: "1 / no limit", Pools: []poolOption{{ID: "pool_1", Label: "Main"}, {ID: "pool_2", Label: "Spare"}},
		Archivable: true, Restorable: true, Reviewable: true, Note: "n",
		Failure: &failureView{Kind: models.FailureRecordConflict, Problem: "p", Fix: "f", Raw: "r", Switch: true}, SetupOpen: true, LiveURL: "/l",
		MoveFrom: "ls.b.example", ConfirmDetach: "MG",
		Registrations: []registrationRow{{ID: "reg_1", Email: "c@example.com", Status: models.RegOpened, Label: "Opened", Sent: now, Opened: &now, Expires: now, Open: true},
			{ID: "reg_0", Email: "c@example.com", Status: models.RegCompleted, Label: "Completed", Sent: now, Completed: &now, Expires: now}}}
	dv.Hosts = handlers.DNSHostForms(handlers.SampleDNSHosts, "two", map[string]string{"api_token": "e", "one-api_token": "e", "two-api_token": "e", "key": "e"})
	dvDoc := dv
	dvDoc.Hosts = handlers.DNSHostForms(handlers.SampleDNSHosts, "", nil)
	dvDoc.Doctor = &handlers.DoctorView{Host: "h", Target: "t", Findings: []handlers.DNSFinding{{Code: "c", Message: "m"}}, CheckedAt: "now"}
	dEmpty := *d
	dEmpty.SetupMode, dEmpty.DomainSID, dEmpty.CertExpiresAt, dEmpty.MessagingServiceSIDs, dEmpty.StatusReason = "", "", nil, nil, ""
	dEmpty.ID, dEmpty.Host, dEmpty.LastUsedAt, dEmpty.ArchivedAt, dEmpty.PoolIDs, dEmpty.MessagesSent = "dom_2", "x.acme.example", nil, nil, nil, 0
	dvBare := domainView{consoleBase: client, Client: cl, D: &dEmpty, Record: handlers.RecordOf(&dEmpty)}
	dTrack := dEmpty
	dTrack.Purpose, dTrack.CNAMETarget = models.PurposeURLTracking, "track.example."
	dvTrack := domainView{consoleBase: admin, Client: cl, D: &dTrack, Record: handlers.RecordOf(&dTrack), PurposeLabel: "URL Tracking", Errors: errs}
	cid := "cli_1"
	eps := []*models.WebhookEndpoint{{ID: "whe_1", URL: "https://h.example", Events: `["domain.*"]`, Enabled: true, ClientID: &cid},
		{ID: "whe_2", URL: "https://h.example", Events: `[]`, DisabledReason: "gone"}}
	cmp := &models.Campaign{ID: "cmp_1", ClientID: "cli_1", Name: "Spring", Tags: `["a","b"]`, Status: models.CampaignSuspended,
		StatusReason: "all domains reached their messaging limit", MessagingServiceSID: "MG1", OriginatorID: &cid, PoolID: &cid,
		DomainIDs: `["dom_1"]`, ActiveDomainID: &d.ID, LinkShortening: true, ScheduledAt: &now, RecipientCount: 3, CreatedAt: now,
		StartedAt: &now, FinishedAt: &now, Variants: []models.CampaignVariant{{ID: "var_1", Body: "Hi {{name}}", Ratio: 60}, {ID: "var_2", Body: "Hé", Ratio: 40}}}
	draft := &models.Campaign{ID: "cmp_2", ClientID: "cli_1", Name: "Draft", Tags: `[]`, Status: models.CampaignDraft, DomainIDs: `[]`, CreatedAt: now}
	ready := *draft
	ready.Status = models.CampaignReady
	cmpErrs := map[string]string{"form": "e", "variants": "e", "domain_id": "e"}
	stats := &models.CampaignStatsView{Recipients: 3, Sent: 3, Delivered: 2, Failed: 1, Cost: models.MoneyView{Amount: "0.0150", Currency: "USD"},
		ByDomain: []models.CampaignDomainUseView{{DomainID: "dom_1", Host: "ls.acme.example", Sent: 3, Clicks: 1}}}
	cdoms := []models.CampaignDomainView{{DomainView: d.View(), CampaignMessagesSent: 3}}
	cv := campaignView{consoleBase: admin, C: cmp, V: cmp.View(), Client: cl, Tab: "details",
		Tabs:   []campaignTab{{ID: "details", Label: "Details", URL: "/d", Current: true}, {ID: "stats", Label: "Stats", URL: "/s"}},
		Events: []models.CampaignEvent{{To: models.CampaignProcessing, Reason: "r", Actor: "a", At: now}}, Actors: map[string]string{"a": "a@example.com"},
		Stats: stats, ClickRate: "50.0%", Domains: cdoms, Addable: []*models.Domain{&dEmpty}, Originator: "+447700900000", Pool: "Main",
		ActiveDomain: "ls.acme.example", Setup: true, Startable: true, Pausable: true, Resumable: true, Abortable: true, Running: true,
		Editable: true, Connectable: cdoms, RotationWarning: true, Problem: "p", Ratios: map[string]string{"var_1": "60"}, Errors: cmpErrs,
		Tracking: "All links", Tracked: true, LinkStats: []models.CampaignLinkStat{{URL: "https://acme.example/a", Links: 3, Clicks: 2, AutomatedClicks: 1}}}
	cvStats, cvDomains, cvConn, cvStatsNoLinks := cv, cv, cv, cv
	cvStats.Tab, cvDomains.Tab, cvConn.Tab, cvStatsNoLinks.Tab, cvStatsNoLinks.LinkStats = "stats", "domains", "connectors", "stats", nil
	cvDraft := campaignView{consoleBase: client, C: draft, V: draft.View(), Client: cl, Tab: "details", Stats: &models.CampaignStatsView{}}
	cvDraftStats, cvDraftDomains, cvDraftConn := cvDraft, cvDraft, cvDraft
	cvDraftStats.Tab, cvDraftDomains.Tab, cvDraftConn.Tab = "stats", "domains", "connectors"
	cvDraftDomains.Editable = true
	steps := []campaignStep{{N: 1, Label: "Campaign", Done: true}, {N: 2, Label: "Message", URL: "/2", Current: true}, {N: 3, Label: "Recipients", URL: "/3"}}
	nv := campaignNewView{consoleBase: admin, Client: cl, Step: 1, Steps: steps, Name: "n", Tags: "a, b", MS: "MG", OriginatorID: "org_1", PoolID: "pool_1",
		DomainIDs: map[string]bool{"dom_1": true}, LinkShortening: true, Originators: []*models.Originator{{ID: "org_1", Type: models.OriginatorMobile, Value: "+447700900000"}},
		Pools: []*models.Pool{pl}, Domains: []*models.Domain{d}, Errors: errs, Tracking: models.TrackingAll, TrackingModes: trackingModes}
	nvBare := campaignNewView{consoleBase: client, Client: cl, Step: 1}
	variants := []variantForm{{N: 1, Body: "Hi", Ratio: "100"}, {N: 2}, {N: 3}}
	nv2 := campaignNewView{consoleBase: admin, Client: cl, Step: 2, Steps: steps, C: draft, V: draft.View(), Variants: variants, Errors: map[string]string{"variants": "e"}}
	nv2Done := nv2
	nv2Done.C = &ready
	upload := &models.RecipientResult{Accepted: 3, Duplicates: 1, OptedOut: 1, Rejected: []models.RejectedRecipient{{Line: 4, Phone: "x", Error: "not a number"}}}
	nv3 := campaignNewView{consoleBase: admin, Client: cl, Step: 3, Steps: steps, C: cmpWithCount(draft, 3), Result: upload, CSV: "phone", Errors: map[string]string{"csv": "e"}}
	nv3Done := campaignNewView{consoleBase: admin, Client: cl, Step: 3, C: &ready}
	nv4 := campaignNewView{consoleBase: admin, Client: cl, Step: 4, C: draft, V: draft.View()}
	nv4Ready := campaignNewView{consoleBase: admin, Client: cl, Step: 4, C: &ready, V: ready.View()}
	nv4Rej := campaignNewView{consoleBase: admin, Client: cl, Step: 4, C: cmp, V: cmp.View()}
	return map[string][]any{
		"attention": {attentionView{consoleBase: admin, Total: 2, Sections: []attentionSection{
			{Kind: models.AttentionFailed, Heading: "h", Intro: "i", Count: 2, MoreURL: "/m", Rows: []attentionRow{{ID: "dom_1", Name: "n", Link: "/l",
				ClientID: "cli_1", Client: "Acme", Status: "s", Code: "c", Detail: "d", Since: now, SinceLabel: "Since", Action: "/a", ActionText: "Do"}}},
			{Kind: models.AttentionCampaignSuspended, Heading: "h", Count: 0}}},
			attentionView{consoleBase: admin}},
		"campaigns": {
			campaignsView{consoleBase: admin, Rows: []campaignRow{{C: cmp, Client: "Acme"}, {C: draft, Client: "Acme"}}, Q: "q", Status: "draft", Tag: "t", ClientID: "cli_1",
				Statuses: []campaignStatusOption{{Value: models.CampaignDraft, Label: "Draft"}}, Clients: []poolOption{{ID: "cli_1", Label: "Acme"}},
				NewURL: "/n", NextURL: "/n", FirstURL: "/f"},
			campaignsView{consoleBase: admin, Clients: []poolOption{{ID: "cli_1", Label: "Acme"}}, Q: "q"},
			campaignsView{consoleBase: client, NewURL: "/n"}},
		"campaign":     {cv, cvStats, cvStatsNoLinks, cvDomains, cvConn, cvDraft, cvDraftStats, cvDraftDomains, cvDraftConn},
		"campaign_new": {nv, nvBare, nv2, nv2Done, nv3, nv3Done, nv4, nv4Ready, nv4Rej},
		"originators": {originatorsView{consoleBase: admin, Client: cl, Originators: []*models.Originator{{ID: "org_1", Type: models.OriginatorAlpha, Value: "Acme", CreatedAt: now},
			{ID: "org_2", Type: models.OriginatorMobile, Value: "+447700900000", CreatedAt: now}}, More: true, Types: models.OriginatorTypes, Type: "alpha", Value: "v",
			ErrorFor: "org_1", Errors: map[string]string{"form": "e", "type": "e", "value": "e", "delete": "e"}},
			originatorsView{consoleBase: client, Client: cl, Types: models.OriginatorTypes}},
		"login": {loginView{consoleBase: signedOut}, loginView{consoleBase: signedOut, Email: "a@example.com", Errors: errs}},
		"clients": {
			clientsView{consoleBase: admin, Clients: []*models.Client{cl}, NextURL: "/n", FirstURL: "/f",
				Plans: []models.Plan{models.PlanBasic}, Form: clientForm{Plan: models.PlanBasic}, Errors: errs},
			clientsView{consoleBase: admin, Q: "q"}, clientsView{consoleBase: admin},
			clientsView{consoleBase: admin, Clients: []*models.Client{{ID: "cli_2", Name: "Globex", DomainCount: 3,
				DomainStatuses: []models.StatusCount{{Status: models.StatusConfigured, N: 2}, {Status: models.StatusFailed, N: 1}}}}}},
		"client": {clientView{consoleBase: admin, Client: &models.Client{ID: "cli_1", Name: "Acme", DomainLimit: &limit}, Domains: []*models.Domain{d}, More: true, UserEmail: "u", MinPassword: 10,
			Limit: "5000", LimitWords: "5,000 messages per domain", Results: res, Errors: errs,
			Tracking:      trackingForm{Mode: models.TrackingAll, Prefix: "offers", DomainID: "dom_1", Sample: "Hi https://acme.example"},
			TrackingModes: trackingModes, TrackingDomains: []*models.Domain{d}, TrackingGone: true, PlatformDomain: "dyn.example",
			Preview:        &trackingPreview{Body: "Hi https://offers.dyn.example/Ab3dE9", Summary: "s"},
			TrackingErrors: map[string]string{"form": "e", "mode": "e", "prefix": "e", "domain_id": "e"}},
			clientView{consoleBase: client, Client: &models.Client{}, TrackingModes: trackingModes, Preview: &trackingPreview{Error: "e"}},
			clientView{consoleBase: client, Client: &models.Client{}}},
		"domain_new": {domainNewView{consoleBase: admin, Client: cl, Action: "/a", Sub: "ls", Purposes: consolePurposes,
			Purpose: models.PurposeLinkShortening, Target: "t.", TTL: 600},
			domainNewView{consoleBase: admin, Client: cl, Action: "/a", Sub: "ls", Purposes: consolePurposes,
				Purpose: models.PurposeURLTracking, TTL: 600, Errors: errs},
			domainNewView{consoleBase: admin, Client: cl, Domain: "acme.example", Sub: "ls", Errors: errs},
			domainNewView{consoleBase: admin, Client: cl, Domain: "ls.acme.example"}},
		"domain": {dv, dvDoc, dvBare, dvTrack},
		"domain_delete": {deleteView{consoleBase: admin, D: d, Client: cl, Action: "/a", Open: 1, Cleanup: "self", Errors: errs},
			deleteView{consoleBase: admin, D: &dEmpty, Client: cl, Action: "/a", Cleanup: "client"},
			deleteView{consoleBase: admin, D: &dEmpty, Client: cl, Action: "/a", Cleanup: "none"}},
		"domains": {
			domainsView{consoleBase: admin, Rows: []domainRow{{D: d, Client: "Acme", Usage: "1,234 / 5,000", Pools: []string{"Main", "Spare"}, Selected: true},
				{D: &dEmpty, Client: "Acme", Usage: "0 / no limit"}}, Status: "pending", Statuses: statuses, Q: "q", PoolID: "pool_1",
				ClientID: "cli_1", Client: "Acme", AllClientsURL: "/a",
				Pools: []poolOption{{ID: "pool_1", Label: "Acme: Main"}}, NextURL: "/n", PrevURL: "/p", Back: "/console/domains?q=q",
				DNS: "verified", SSL: "none", Sort: "age", Total: 120, From: 51, To: 100,
				DNSOptions: []filterOption{{Value: "verified", Label: "Verified", Current: true}}, SSLOptions: []filterOption{{Value: "none", Label: "n"}},
				SortOptions: []filterOption{{Value: "", Label: "Newest"}, {Value: "age", Label: "Age", Current: true}},
				Results:     res, Confirm: true, Errors: errs},
			domainsView{consoleBase: client, Statuses: statuses, Q: "q"}, domainsView{consoleBase: client}},
		"domains_bulk": {domainsBulkView{consoleBase: admin, Client: cl, Action: "/a", Names: "a.example\nb", Sub: "ls", Max: 500, Results: res, Errors: errs},
			domainsBulkView{consoleBase: client, Client: cl, Action: "/a"}},
		"pools": {poolsView{consoleBase: admin, Client: cl, Pools: []poolCard{
			{P: pl, Members: []poolMember{{D: d, First: true}, {D: &dEmpty, Last: true}}, Addable: []*models.Domain{d}, Rename: "Main", Error: "e"},
			{P: pl2}}, Domains: []*models.Domain{d}, More: true, Name: "n", Errors: errs},
			poolsView{consoleBase: client, Client: cl}},
		"webhooks": {webhooksView{consoleBase: admin, Endpoints: eps, More: true, EventTypes: models.EventTypes, NoKeys: true,
			Secret: "whsec_x", SecretFor: "whe_1", Errors: errs, Clients: []poolOption{{ID: "cli_1", Label: "Acme"}}, ClientNames: map[string]string{"cli_1": "Acme"}},
			webhooksView{consoleBase: client}, webhooksView{consoleBase: client, NoPlan: true, Plan: models.PlanBasic, ClientNames: map[string]string{"cli_1": "Acme"}}},
		"webhook_deliveries": {deliveriesView{consoleBase: admin, Endpoint: "whe_1", Status: string(models.DeliveryFailed), Statuses: models.DeliveryStatuses,
			NextURL: "/n", FirstURL: "/f", CanReplay: true, Endpoints: []poolOption{{ID: "whe_1", Label: "https://h.example"}},
			URLs: map[string]string{"whe_1": "https://h.example"}, Deliveries: []models.WebhookDeliveryView{
				(&models.WebhookDelivery{ID: "whd_1", EventID: "whevt_1", EndpointID: "whe_1", EventType: "domain.created", Status: models.DeliveryRetrying,
					Attempts: 1, LastStatusCode: 500, LastError: "HTTP 500", NextAttemptAt: &now, ReplayOf: "whd_0", CreatedAt: now}).View(
					[]models.WebhookAttempt{{Attempt: 1, StartedAt: now, StatusCode: 500, LatencyMS: 3, ResponseBody: "b", Error: "x"}}),
				(&models.WebhookDelivery{ID: "whd_2", EventID: "whevt_2", EndpointID: "whe_1", EventType: "webhook.ping", Status: models.DeliveryPending, CreatedAt: now}).View(nil)}},
			deliveriesView{consoleBase: client}, deliveriesView{consoleBase: client, Endpoint: "whe_9", Endpoints: []poolOption{{ID: "whe_1", Label: "https://h.example"}},
				URLs: map[string]string{"whe_1": "https://h.example"}}},
		"sandbox": {sandboxView{consoleBase: admin, Host: "h", DomainSID: "DN", DomainID: "dom_1", DomainHost: "ls.a.com", Zone: "z", ZoneID: "i", APIToken: "t", Cloudflare: true,
			DNSTool: true, FaultTool: true, Pending: map[string]int{"twilio": 1}, DNSTypes: sandboxDNSTypes, DNSType: "A", FaultProvider: "twilio", Errors: errs},
			sandboxView{consoleBase: client}},
		"sandbox_outbox": {outboxView{consoleBase: admin, Mail: []SandboxMail{{To: "t", Subject: "s", Text: "x", SentAt: now}}},
			outboxView{consoleBase: admin}},
		"reset_request": {resetRequestView{consoleBase: signedOut, Minutes: 30}, resetRequestView{consoleBase: signedOut, Email: "a@example.com", Errors: errs}},
		"reset": {resetView{consoleBase: signedOut, Email: "a@example.com", Action: "/console/reset/t", Expires: "e", MinPassword: 10},
			resetView{consoleBase: signedOut, Email: "a@example.com", Errors: errs}},
		"campaigns_live": {campaignsLiveView{consoleBase: admin, Events: "/e", Ended: "aborted", More: true, Rows: []models.CampaignLiveView{
			{CampaignView: models.CampaignView{ID: "cmp_1", Name: "Sale", Status: models.CampaignSending}, Sent: 3, Delivered: 2, Clicks: 1}}},
			campaignsLiveView{consoleBase: client, Events: "/e"}},
		// issue 17 part C: housekeeping
		"client_edit": {clientEditView{consoleBase: admin, Client: cl, Form: clientForm{Name: "Acme", Plan: models.PlanBasic}, Plans: consolePlans, Errors: errs},
			clientEditView{consoleBase: admin, Client: cl, Plans: consolePlans}},
		"client_delete": {clientDeleteView{consoleBase: admin, Client: cl, F: &models.ClientFootprint{Domains: 2}, Errors: errs},
			clientDeleteView{consoleBase: admin, Client: cl, F: &models.ClientFootprint{Users: 1, APIKeys: 2}, Errors: errs}},
		"client_users": {clientUsersView{consoleBase: admin, Client: cl, Users: []models.User{{ID: "usr_1", Email: "u@acme.example", CreatedAt: now},
			{ID: "usr_2", Email: "v@acme.example", CreatedAt: now}}, UserEmail: "u", MinPassword: 10, CanReset: true, Self: "usr_2", ErrorFor: "usr_1",
			Errors: map[string]string{"user": "e", "form": "e", "email": "e", "password": "e"}},
			clientUsersView{consoleBase: client, Client: cl}},
		"client_keys": {clientKeysView{consoleBase: admin, Client: cl, More: true, Name: "n", Key: "lg_live_x", KeyName: "CI", Errors: map[string]string{"form": "e", "name": "e"},
			Keys: []keyRow{{APIKeyView: models.APIKeyView{ID: "key_1", Prefix: "lg_live_abc", Name: "CI", Status: models.KeyActive, CreatedAt: now, LastUsedAt: &now, ExpiresAt: &now},
				StatusText: "Active", Active: true}, {APIKeyView: models.APIKeyView{ID: "key_2", Prefix: "lg_live_def", Status: models.KeyRevoked, CreatedAt: now}, StatusText: "Revoked"}}},
			clientKeysView{consoleBase: client, Client: cl}},
		"message": {consoleMessage{consoleBase: admin, Message: handlers.Message{Heading: "h", Paragraphs: []string{"p"}, Link: "/", LinkText: "Home"}},
			consoleMessage{consoleBase: signedOut}},
	}
}

func cmpWithCount(c *models.Campaign, n int64) *models.Campaign {
	x := *c
	x.RecipientCount = n
	return &x
}
