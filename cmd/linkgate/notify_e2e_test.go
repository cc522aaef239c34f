package main

// E-mail notifications (issue 17) end to end, through linkgate's real
// SMTP adapter to an in-process go-smtp server: the client and the admins
// of LINKGATE_NOTIFY_ADMINS are told once each when a registration link
// expires unused, when a domain fails and when a certificate will expire
// within 14 days, each mail with the link to the domain's console page.

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestNotificationsByEmail(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	mail := startSMTP(t)
	_, a := startPublicAt(t, now, map[string]string{"SMTP_URL": mail.URL(), "LINKGATE_REGISTRATION_TTL": "1h",
		"LINKGATE_NOTIFY_ADMINS": "noc@platform.test", "LINKGATE_RETRY_BACKOFF_MS": "200"})
	client := a.newClient("acme.com") // owner@acme.com

	// mailsAbout waits until the client and the admin each have one mail
	// whose subject has subject, and returns the client's.
	mailsAbout := func(subject string) mailMessage {
		t.Helper()
		var got []mailMessage
		waitUntil(t, "the mails about "+subject, flowDeadline, func() bool {
			got = got[:0]
			for _, m := range mail.messages(t) {
				if strings.Contains(m.Subject, subject) {
					got = append(got, m)
				}
			}
			return len(got) >= 2
		})
		var toClient mailMessage
		for _, m := range got {
			switch m.To {
			case "owner@acme.com":
				toClient = m
			case "noc@platform.test":
				if !strings.Contains(m.Text, "Hello linkgate admin") || !strings.Contains(m.Text, "of acme.com") {
					t.Errorf("the admin's mail does not name the client:\n%s", m.Text)
				}
			}
		}
		if toClient.To == "" {
			t.Fatalf("no mail to the client about %s: %+v", subject, got)
		}
		return toClient
	}
	wantLink := func(m mailMessage, domainID string) {
		t.Helper()
		if !strings.Contains(m.Text, a.base+"/console/domains/"+domainID) {
			t.Errorf("%q does not link to the domain's page:\n%s", m.Subject, m.Text)
		}
	}

	// A registration link that expires unused.
	reg := a.newDomainOf(client, "reg-acme.com")
	a.want(202, "POST", "/api/v1/domains/"+reg+"/forward-login", `{"email":"someone@acme.com"}`)
	mail.waitMail(t, 1) // the registration e-mail itself
	offset.Store(int64(time.Hour + time.Minute))
	m := mailsAbout("The registration link for ls.reg-acme.com expired unused")
	wantLink(m, reg)
	if !strings.Contains(m.Text, "someone@acme.com") || !strings.Contains(m.Text, "Hello acme.com") {
		t.Errorf("registration mail:\n%s", m.Text)
	}

	// A domain that fails: Cloudflare refuses the CNAME.
	d := &drill{a: a, apex: "fail-acme.com", id: a.newDomainOf(client, "fail-acme.com"), deadline: flowDeadline}
	d.configure(`{"provider":"cloudflare","status":403}`)
	d.waitFor("failed")
	m = mailsAbout("The setup of ls.fail-acme.com failed")
	wantLink(m, d.id)
	if !strings.Contains(m.Text, "create the CNAME ls.fail-acme.com") {
		t.Errorf("the failure mail lacks the reason:\n%s", m.Text)
	}

	// A certificate 80 days on: it expires in about 10 days.
	live := a.configuredDomain(client, "live-acme.com")
	offset.Store(int64(80 * 24 * time.Hour))
	m = mailsAbout("The certificate of ls.live-acme.com expires soon")
	wantLink(m, live)
	if !strings.Contains(m.Text, "expires on") {
		t.Errorf("certificate mail:\n%s", m.Text)
	}

	// Passes ran after the first two events were told about (the later
	// events were found by them): still one mail per event and recipient.
	count := map[string]int{}
	for _, m := range mail.messages(t) {
		count[m.To+" "+m.Subject]++
	}
	for k, n := range count {
		if n != 1 {
			t.Errorf("%d mails %q, want 1", n, k)
		}
	}
	if len(count) != 7 {
		t.Errorf("%d distinct mails, want 7 (the registration link, then 3 events × 2 recipients): %v", len(count), count)
	}
}
