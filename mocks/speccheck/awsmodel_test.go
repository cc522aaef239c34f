package speccheck

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const r53NS = `xmlns="https://route53.amazonaws.com/doc/2013-04-01/"`

// The checker reports what Route 53 and STS would never send, and passes
// what they do.
func TestAWSModelChecksAnswers(t *testing.T) {
	t.Parallel()
	r53, err := LoadAWS(Route53)
	if err != nil {
		t.Fatal(err)
	}
	sts, err := LoadAWS(STS)
	if err != nil {
		t.Fatal(err)
	}
	var body string
	var status int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	const change = `<ChangeInfo><Id>/change/C1</Id><Status>%s</Status><SubmittedAt>2026-01-01T00:00:00.000Z</SubmittedAt></ChangeInfo>`
	const assumed = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
		`<Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>%s</Credentials>` +
		`<AssumedRoleUser><AssumedRoleId>AROA1:linkgate</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/r/linkgate</Arn></AssumedRoleUser>` +
		`</AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`
	for _, c := range []struct {
		name      string
		model     *AWSModel
		method    string
		path      string
		reqBody   string
		status    int
		respBody  string
		problems  []string // substrings; none: clean
		operation string
	}{
		{"good count", r53, "GET", "/2013-04-01/hostedzonecount", "", 200,
			`<GetHostedZoneCountResponse ` + r53NS + `><HostedZoneCount>3</HostedZoneCount></GetHostedZoneCountResponse>`, nil, "GetHostedZoneCount"},
		{"unknown element", r53, "GET", "/2013-04-01/hostedzonecount", "", 200,
			`<GetHostedZoneCountResponse ` + r53NS + `><HostedZoneCount>3</HostedZoneCount><Count>3</Count></GetHostedZoneCountResponse>`,
			[]string{"GetHostedZoneCountResponse/Count: not a member of GetHostedZoneCountResponse"}, ""},
		{"missing required", r53, "GET", "/2013-04-01/hostedzone", "", 200,
			`<ListHostedZonesResponse ` + r53NS + `><HostedZones/><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesResponse>`,
			[]string{"required member Marker is missing"}, "ListHostedZones"},
		{"bad enum", r53, "GET", "/2013-04-01/change/C1", "", 200,
			`<GetChangeResponse ` + r53NS + `>` + fmt.Sprintf(change, "DONE") + `</GetChangeResponse>`,
			[]string{`"DONE" is not one of ChangeStatus's values`}, "GetChange"},
		{"good change", r53, "POST", "/2013-04-01/hostedzone/Z1/rrset/", "<x/>", 200,
			`<ChangeResourceRecordSetsResponse ` + r53NS + `>` + fmt.Sprintf(change, "PENDING") + `</ChangeResourceRecordSetsResponse>`, nil, "ChangeResourceRecordSets"},
		{"bad number, list item, timestamp", r53, "GET", "/2013-04-01/hostedzone/Z1/rrset", "", 200,
			`<ListResourceRecordSetsResponse ` + r53NS + `><ResourceRecordSets><ResourceRecordSet><Name>a.</Name><Type>CNAME</Type><TTL>soon</TTL>` +
				`<ResourceRecords><Record><Value>x</Value></Record></ResourceRecords></ResourceRecordSet></ResourceRecordSets>` +
				`<IsTruncated>false</IsTruncated><MaxItems>1</MaxItems></ListResourceRecordSetsResponse>`,
			[]string{`TTL: "soon" is not a long`, "ResourceRecords/Record: want ResourceRecord items"}, ""},
		{"bad boolean and namespace", r53, "GET", "/2013-04-01/hostedzone", "", 200,
			`<ListHostedZonesResponse><HostedZones/><Marker/><IsTruncated>no</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesResponse>`,
			[]string{"has namespace", `"no" is not a boolean`}, ""},
		{"wrong root", r53, "GET", "/2013-04-01/change/C1", "", 200,
			`<GetHostedZoneCountResponse ` + r53NS + `><HostedZoneCount>3</HostedZoneCount></GetHostedZoneCountResponse>`,
			[]string{"root element GetHostedZoneCountResponse, want GetChangeResponse"}, ""},
		{"listed error", r53, "GET", "/2013-04-01/hostedzone/Z1/rrset", "", 404,
			`<ErrorResponse ` + r53NS + `><Error><Type>Sender</Type><Code>NoSuchHostedZone</Code><Message>no</Message></Error><RequestId>r</RequestId></ErrorResponse>`, nil, ""},
		{"common error", r53, "GET", "/2013-04-01/hostedzone", "", 403,
			`<ErrorResponse ` + r53NS + `><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code></Error><RequestId>r</RequestId></ErrorResponse>`, nil, ""},
		{"unlisted error", r53, "GET", "/2013-04-01/hostedzonecount", "", 400,
			`<ErrorResponse ` + r53NS + `><Error><Type>Client</Type><Code>NoSuchChange</Code></Error><Extra/></ErrorResponse>`,
			[]string{`Type "Client"`, "ErrorResponse/Extra", "error code NoSuchChange is not an error of GetHostedZoneCount"}, ""},
		{"InvalidChangeBatch body", r53, "POST", "/2013-04-01/hostedzone/Z1/rrset/", "<x/>", 400,
			`<InvalidChangeBatch ` + r53NS + `><Messages><Message>Tried to create</Message></Messages><RequestId>r</RequestId></InvalidChangeBatch>`, nil, ""},
		{"error-shaped body the operation does not list", r53, "GET", "/2013-04-01/change/C1", "", 400,
			`<InvalidChangeBatch ` + r53NS + `><Messages><Message>x</Message></Messages></InvalidChangeBatch>`,
			[]string{"neither ErrorResponse nor an error of GetChange"}, ""},
		{"error body on a success", r53, "GET", "/2013-04-01/hostedzonecount", "", 200,
			`<ErrorResponse ` + r53NS + `><Error><Code>Throttling</Code></Error></ErrorResponse>`, []string{"status 200 with an ErrorResponse body"}, ""},
		{"no such operation", r53, "DELETE", "/2013-04-01/hostedzonecount", "", 200, `<x/>`, []string{"is in no operation"}, ""},
		{"good assume-role", sts, "POST", "/", "Action=AssumeRole&Version=2011-06-15", 200,
			fmt.Sprintf(assumed, `<Expiration>2026-01-01T01:00:00Z</Expiration>`), nil, "AssumeRole"},
		{"assume-role without expiration", sts, "POST", "/", "Action=AssumeRole&Version=2011-06-15", 200,
			fmt.Sprintf(assumed, ""), []string{"required member Expiration is missing"}, ""},
		{"assume-role without its result wrapper", sts, "POST", "/", "Action=AssumeRole", 200,
			`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Credentials/></AssumeRoleResponse>`,
			[]string{"Credentials: neither AssumeRoleResult", "no AssumeRoleResult"}, ""},
		{"sts error", sts, "POST", "/", "Action=AssumeRole", 403,
			`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error><RequestId>r</RequestId></ErrorResponse>`, nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			body, status = c.respBody, c.status
			var got []string
			tr := &AWSTransport{Base: srv.Client().Transport, Model: c.model, Prefix: "/",
				Errorf: func(f string, a ...any) { got = append(got, fmt.Sprintf(f, a...)) }}
			var rb io.Reader
			if c.reqBody != "" {
				rb = strings.NewReader(c.reqBody)
			}
			req, _ := http.NewRequest(c.method, srv.URL+c.path, rb)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != c.respBody {
				t.Errorf("the body the client reads changed: %s", b)
			}
			all := strings.Join(got, "\n")
			if len(c.problems) == 0 && len(got) > 0 {
				t.Errorf("problems reported for a good answer:\n%s", all)
			}
			for _, p := range c.problems {
				if !strings.Contains(all, p) {
					t.Errorf("want a problem %q; got:\n%s", p, all)
				}
			}
			if c.operation != "" {
				if s := tr.Seen(); len(s) != 1 || s[0].Route != c.operation {
					t.Errorf("seen %+v, want %s", s, c.operation)
				}
			}
		})
	}
}
