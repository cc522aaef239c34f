package handlers

import (
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/linkgate/linkgate/models"
)

// The DNS doctor and the CNAME record, as both page audiences show them:
// the console for an admin's manual setup, the registration pages for
// the client.

// DNSDiagnosis is what a DNS check found about a domain's CNAME.
type DNSDiagnosis struct {
	OK       bool
	Findings []DNSFinding
}

// DNSFinding is one thing a DNS check found, in words a client reads.
type DNSFinding struct{ Code, Message string }

// DoctorView is one DNS check (the "doctor" template of
// templates/doctor.html).
type DoctorView struct {
	Host, Target string
	OK           bool
	Findings     []DNSFinding
	Error        string
	CheckedAt    string
}

// RecordView is the CNAME a domain needs.
type RecordView struct {
	Type, Name, Host, Value, Apex string
	TTL                           int
}

// RecordOf is d's CNAME record.
func RecordOf(d *models.Domain) RecordView {
	return RecordView{Type: "CNAME", Name: d.Subdomain, Host: d.Host, Value: d.CNAMETarget, Apex: d.Apex, TTL: d.CNAMETTL}
}

// Doctor renders the DNS doctor fragment alone (for the pages' scripts).
type Doctor struct{ t *template.Template }

// NewDoctor parses templates/doctor.html of kit (nil: SharedFiles) and
// runs it with samples, so that a broken fragment stops the start.
func NewDoctor(kit fs.FS) (*Doctor, error) {
	if kit == nil {
		kit = SharedFiles
	}
	t, err := template.New("doctor").ParseFS(kit, "templates/doctor.html")
	if err != nil {
		return nil, fmt.Errorf("handlers: doctor template: %w", err)
	}
	for i, d := range doctorSamples() {
		if err := t.ExecuteTemplate(io.Discard, "doctor", d); err != nil {
			return nil, fmt.Errorf("handlers: doctor template (sample %d): %w", i, err)
		}
	}
	return &Doctor{t: t}, nil
}

// Write answers with the fragment of v; on an error it has written
// nothing.
func (d *Doctor) Write(c *gin.Context, v *DoctorView) error {
	var buf strings.Builder
	if err := d.t.ExecuteTemplate(&buf, "doctor", v); err != nil {
		return err
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(buf.String()))
	return nil
}

// doctorSamples are doctor views that run every branch of the fragment.
func doctorSamples() []*DoctorView {
	return []*DoctorView{
		{Host: "h", Target: "t", OK: true, CheckedAt: "now"},
		{Host: "h", Target: "t", Findings: []DNSFinding{{Code: "c", Message: "m"}}, CheckedAt: "now"},
		{Error: "e", CheckedAt: "now"},
	}
}
